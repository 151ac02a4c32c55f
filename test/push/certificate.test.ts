import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../src/core/errors.js';
import { inspectP12, MAX_CERTIFICATE_BYTES } from '../../src/push/certificate.js';
import { buildFixtures, type Fixtures, TOPICS } from './fixtures.js';

let fx: Fixtures;
beforeAll(() => {
  fx = buildFixtures();
});
afterAll(() => fx?.cleanup());

/** The BadUserInputError inspectP12 throws, checked for its argument and for never echoing the password. */
function refusal(run: () => unknown, argument: string): BadUserInputError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BadUserInputError);
  const error = caught as BadUserInputError;
  expect(error.extensions.code).toBe('BAD_USER_INPUT');
  expect(error.extensions.argument).toBe(argument);
  expect(error.message).not.toContain(fx.password);
  return error;
}

const DAY = 24 * 60 * 60 * 1000;

describe('inspectP12', () => {
  it('reads a real OpenSSL 3 .p12 (default AES/PBKDF2 format)', () => {
    const before = new Date();
    const info = inspectP12(fx.p12, fx.password, 'development');
    expect(info.environment).toBe('development');
    expect(info.subject).toBe('UID=com.example.demo, CN=Apple Development IOS Push Services: com.example.demo, O=Example');
    expect(info.bundleId).toBe('com.example.demo');
    expect(info.topics).toEqual(TOPICS);
    expect(info.notBefore.getTime()).toBeLessThanOrEqual(before.getTime() + 1000);
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(30 * DAY);
    expect(info.sha256).toBe(createHash('sha256').update(fx.p12).digest('hex'));
  });

  it('reads the legacy (PBE-SHA1-3DES / RC2) format too', () => {
    const info = inspectP12(fx.legacyP12, fx.password, 'production');
    expect(info.environment).toBe('production');
    expect(info.bundleId).toBe('com.example.demo');
  });

  it('returns no topics when the Apple topics extension is absent', () => {
    const info = inspectP12(fx.shortLivedP12, fx.password, 'development');
    expect(info.topics).toEqual([]);
    expect(info.bundleId).toBe('com.example.demo');
  });

  it('refuses a wrong password, naming the environment', () => {
    const error = refusal(() => inspectP12(fx.p12, 'not-the-password', 'production'), 'production.password');
    expect(error.message).toMatch(/production certificate password is wrong/);
    expect(error.message).not.toContain('not-the-password');
  });

  it('refuses random bytes as not a PKCS#12 file', () => {
    const error = refusal(() => inspectP12(randomBytes(2048), fx.password, 'development'), 'development.file');
    expect(error.message).toMatch(/development certificate file is not a PKCS#12/);
  });

  it('refuses a PEM certificate as not a PKCS#12 file', () => {
    const error = refusal(() => inspectP12(fx.pem, fx.password, 'production'), 'production.file');
    expect(error.message).toMatch(/production certificate file is not a PKCS#12/);
  });

  it('refuses valid DER that is not PKCS#12 (a certificate)', () => {
    const der = Buffer.from(fx.pem.toString('utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const error = refusal(() => inspectP12(der, fx.password, 'development'), 'development.file');
    expect(error.message).toMatch(/not a PKCS#12/);
  });

  it('refuses an expired certificate', () => {
    const error = refusal(() => inspectP12(fx.shortLivedP12, fx.password, 'production', new Date(Date.now() + 3 * DAY)), 'production.file');
    expect(error.message).toMatch(/^The production certificate expired on \d{4}-\d\d-\d\dT/);
  });

  it('refuses a certificate that is not valid yet', () => {
    const error = refusal(() => inspectP12(fx.p12, fx.password, 'development', new Date('2000-01-01T00:00:00Z')), 'development.file');
    expect(error.message).toMatch(/development certificate is not valid before/);
  });

  it('refuses a .p12 without a private key', () => {
    const error = refusal(() => inspectP12(fx.noKeyP12, fx.password, 'development'), 'development.file');
    expect(error.message).toMatch(/development certificate file contains no private key/);
  });

  it('refuses a .p12 without a certificate', () => {
    const error = refusal(() => inspectP12(fx.noCertP12, fx.password, 'production'), 'production.file');
    expect(error.message).toMatch(/production certificate file contains no certificate/);
  });

  it('refuses a file larger than 64 KiB before parsing it, and an empty file', () => {
    expect(MAX_CERTIFICATE_BYTES).toBe(65536);
    const big = Buffer.concat([fx.p12, Buffer.alloc(MAX_CERTIFICATE_BYTES + 1 - fx.p12.length)]);
    expect(refusal(() => inspectP12(big, fx.password, 'development'), 'development.file').message).toMatch(/larger than 64 KiB/);
    expect(refusal(() => inspectP12(Buffer.alloc(0), fx.password, 'development'), 'development.file').message).toMatch(/empty/);
  });
});
