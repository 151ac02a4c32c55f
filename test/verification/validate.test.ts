import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../src/core/errors.js';
import { introLength, normalizeRsaPublicKey, type OneTapLoginInput, validateOneTapLogin } from '../../src/verification/validate.js';

function spki(options: { type: 'rsa'; bits: number } | { type: 'ec' }): { base64: string; pem: string } {
  const { publicKey } = options.type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: options.bits }) : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    base64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const rsa1024 = spki({ type: 'rsa', bits: 1024 });

const valid: OneTapLoginInput = {
  appKey: 'a1b2c3d4e5f6a1b2c3d4e5f6',
  platform: 'ANDROID',
  packageName: 'com.example.demo',
  appSign: '0123456789abcdef0123456789abcdef',
  appType: 'APPLICATION',
  appIntro: '这是一个用于演示一键登录的示例应用，提供新闻阅读和评论功能。'.padEnd(40, '。'),
  rsaPublicKey: rsa1024.base64,
  callbackUrl: 'https://gateway.example.com/callbacks/verification',
};

function refusal(patch: Partial<OneTapLoginInput>, argument: string): string {
  let caught: unknown;
  try {
    validateOneTapLogin({ ...valid, ...patch });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BadUserInputError);
  const error = caught as BadUserInputError;
  expect(error.extensions.code).toBe('BAD_USER_INPUT');
  expect(error.extensions.argument).toBe(argument);
  return error.message;
}

describe('introLength', () => {
  it('counts a Chinese character (ideographs, CJK and fullwidth punctuation) as 2, anything else as 1', () => {
    expect(introLength('')).toBe(0);
    expect(introLength('abc 123')).toBe(7);
    expect(introLength('极光')).toBe(4);
    expect(introLength('极光 push')).toBe(9);
    expect(introLength('你好，世界！')).toBe(12); // fullwidth comma and exclamation mark
    expect(introLength('“引号”。')).toBe(8); // curly quotes are general punctuation shared with English (1 each), 。 is CJK (2)
    expect(introLength('𠀀')).toBe(2); // extension B ideograph: one character, not two UTF-16 units
    expect(introLength('é😀')).toBe(2);
  });
});

describe('validateOneTapLogin', () => {
  it('accepts a valid Android input with a real 1024-bit RSA key', () => {
    expect(introLength(valid.appIntro)).toBeGreaterThanOrEqual(60);
    expect(() => validateOneTapLogin(valid)).not.toThrow();
  });

  it('accepts iOS without appSign (absent or null) and ignores one given there', () => {
    expect(() => validateOneTapLogin({ ...valid, platform: 'IOS', appSign: null })).not.toThrow();
    const { appSign: _omitted, ...noSign } = valid;
    expect(() => validateOneTapLogin({ ...noSign, platform: 'IOS' })).not.toThrow();
    expect(() => validateOneTapLogin({ ...valid, platform: 'IOS', appSign: 'ignored' })).not.toThrow();
  });

  it('accepts the key in PEM form and without callbackUrl', () => {
    expect(() => validateOneTapLogin({ ...valid, rsaPublicKey: rsa1024.pem })).not.toThrow();
    const { callbackUrl: _omitted, ...noCallback } = valid;
    expect(() => validateOneTapLogin(noCallback)).not.toThrow();
  });

  it.each(['com.example', 'Com.Example_App.demo-2', 'a.b'])('accepts package name %s', (packageName) => {
    expect(() => validateOneTapLogin({ ...valid, packageName })).not.toThrow();
  });

  it.each(['example', 'com..example', 'com.1example', '.com.example', 'com.example.', 'com.exa mple', 'com/example', ''])('refuses package name %j', (packageName) => {
    expect(refusal({ packageName }, 'input.packageName')).toMatch(/packageName must be an Android package name or iOS bundle id/);
  });

  it('requires appSign on ANDROID', () => {
    expect(refusal({ appSign: null }, 'input.appSign')).toMatch(/appSign is required on ANDROID/);
    expect(refusal({ appSign: undefined }, 'input.appSign')).toMatch(/required/);
    expect(refusal({ appSign: '' }, 'input.appSign')).toMatch(/required/);
  });

  it('refuses an upper-case appSign, saying it must be lower-case', () => {
    expect(refusal({ appSign: '0123456789ABCDEF0123456789abcdef' }, 'input.appSign')).toMatch(/must be lower-case.*upper-case letters are an error/);
  });

  it('refuses an appSign of the wrong length or with non-hex characters', () => {
    expect(refusal({ appSign: '0123456789abcdef' }, 'input.appSign')).toMatch(/exactly 32 lower-case hex characters.*got 16/);
    expect(refusal({ appSign: '0123456789abcdef0123456789abcdeg' }, 'input.appSign')).toMatch(/exactly 32 lower-case hex/);
    expect(refusal({ appSign: '01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef' }, 'input.appSign')).toMatch(/exactly 32/);
  });

  it('refuses an appIntro shorter than 60 or longer than 1200, counting Chinese as 2', () => {
    expect(refusal({ appIntro: 'a'.repeat(59) }, 'input.appIntro')).toBe('appIntro must be 60–1200 characters long, where a Chinese character counts as 2; this one counts 59.');
    expect(refusal({ appIntro: '极'.repeat(29) }, 'input.appIntro')).toMatch(/a Chinese character counts as 2; this one counts 58\./);
    expect(refusal({ appIntro: '极'.repeat(601) }, 'input.appIntro')).toMatch(/this one counts 1202\./);
    expect(() => validateOneTapLogin({ ...valid, appIntro: '极'.repeat(30) })).not.toThrow();
    expect(() => validateOneTapLogin({ ...valid, appIntro: '极'.repeat(600) })).not.toThrow();
    expect(() => validateOneTapLogin({ ...valid, appIntro: 'a'.repeat(1200) })).not.toThrow();
  });

  it('refuses a 2048-bit RSA key', () => {
    expect(refusal({ rsaPublicKey: spki({ type: 'rsa', bits: 2048 }).base64 }, 'input.rsaPublicKey')).toMatch(/1024-bit RSA public key.*its modulus is 2048 bits/);
  });

  it('refuses a key that is not RSA', () => {
    expect(refusal({ rsaPublicKey: spki({ type: 'ec' }).base64 }, 'input.rsaPublicKey')).toMatch(/it is an? ec key, not RSA/);
  });

  it('refuses garbage, non-base64 text and a PKCS#1 key', () => {
    expect(refusal({ rsaPublicKey: 'not a key!' }, 'input.rsaPublicKey')).toMatch(/not base64/);
    expect(refusal({ rsaPublicKey: '' }, 'input.rsaPublicKey')).toMatch(/not base64/);
    expect(refusal({ rsaPublicKey: Buffer.from('definitely not DER').toString('base64') }, 'input.rsaPublicKey')).toMatch(/not a DER SubjectPublicKeyInfo/);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(refusal({ rsaPublicKey: pkcs1 }, 'input.rsaPublicKey')).toMatch(/PKCS#1/);
    const pkcs1Der = publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    expect(refusal({ rsaPublicKey: pkcs1Der }, 'input.rsaPublicKey')).toMatch(/not a DER SubjectPublicKeyInfo/);
  });

  it.each(['ftp://example.com/cb', '/callbacks/verification', 'example.com/cb', 'https://', 'not a url'])('refuses callbackUrl %j', (callbackUrl) => {
    expect(refusal({ callbackUrl }, 'input.callbackUrl')).toMatch(/absolute http or https URL/);
  });

  it('accepts http and https callback URLs', () => {
    expect(() => validateOneTapLogin({ ...valid, callbackUrl: 'http://127.0.0.1:4000/cb' })).not.toThrow();
  });
});

describe('normalizeRsaPublicKey', () => {
  it('strips PEM armour and whitespace, leaving the bare base64 DER', () => {
    expect(normalizeRsaPublicKey(rsa1024.pem)).toBe(rsa1024.base64);
    const wrapped = rsa1024.base64.replace(/.{64}/g, '$&\n');
    expect(normalizeRsaPublicKey(`  ${wrapped}\r\n`)).toBe(rsa1024.base64);
    expect(normalizeRsaPublicKey(rsa1024.base64)).toBe(rsa1024.base64);
  });
});
