// Checks the JVerification `open` input against the documented rules before any upstream call: Jiguang
// answers any mistake with one opaque 9012 "parameter invalid", the gateway names the field instead.
import { createPublicKey } from 'node:crypto';
import { BadUserInputError } from '../core/errors.js';

export interface OneTapLoginInput {
  appKey: string;
  platform: 'ANDROID' | 'IOS';
  packageName: string;
  appSign?: string | null;
  appType: 'GAME' | 'APPLICATION';
  appIntro: string;
  rsaPublicKey: string;
  callbackUrl?: string;
}

export const APP_INTRO_MIN = 60;
export const APP_INTRO_MAX = 1200;
export const RSA_MODULUS_BITS = 1024;

// CJK ideographs (with extensions and compatibility forms), CJK symbols and punctuation, and the
// halfwidth/fullwidth forms block (fullwidth ，！？ etc.).
const CHINESE = /[\u2E80-\u2FDF\u3000-\u303F\u31C0-\u31EF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF\u{20000}-\u{2FA1F}\u{30000}-\u{3134F}]/u;

/** The length Jiguang counts for app_intro: a Chinese character counts 2, any other character 1. */
export function introLength(text: string): number {
  let length = 0;
  for (const char of text) length += CHINESE.test(char) ? 2 : 1;
  return length;
}

const PACKAGE_SEGMENT = /^[A-Za-z][A-Za-z0-9_-]*$/;
const APP_SIGN = /^[0-9a-f]{32}$/;

/** Throws BadUserInputError (argument `input.<field>`) for the first field that breaks a documented rule. */
export function validateOneTapLogin(input: OneTapLoginInput): void {
  const segments = input.packageName.split('.');
  if (segments.length < 2 || !segments.every((s) => PACKAGE_SEGMENT.test(s))) {
    throw new BadUserInputError(
      'packageName must be an Android package name or iOS bundle id: at least two dot-separated parts, each starting with a letter and made of letters, digits, "_" or "-" (e.g. com.example.app).',
      'input.packageName',
    );
  }

  // iOS has no app signature: a value given there is ignored (and not sent upstream).
  if (input.platform === 'ANDROID') {
    const sign = input.appSign;
    if (sign === undefined || sign === null || sign === '')
      throw new BadUserInputError('appSign is required on ANDROID: the app signature, 32 lower-case hex characters.', 'input.appSign');
    if (/^[0-9a-fA-F]{32}$/.test(sign) && !APP_SIGN.test(sign)) {
      throw new BadUserInputError('appSign must be lower-case: Jiguang compares the 32 hex characters case-sensitively, upper-case letters are an error.', 'input.appSign');
    }
    if (!APP_SIGN.test(sign)) throw new BadUserInputError(`appSign must be exactly 32 lower-case hex characters (0-9, a-f); got ${sign.length} characters.`, 'input.appSign');
  }

  const length = introLength(input.appIntro);
  if (length < APP_INTRO_MIN || length > APP_INTRO_MAX) {
    throw new BadUserInputError(
      `appIntro must be ${APP_INTRO_MIN}–${APP_INTRO_MAX} characters long, where a Chinese character counts as 2; this one counts ${length}.`,
      'input.appIntro',
    );
  }

  checkRsaPublicKey(input.rsaPublicKey);

  if (input.callbackUrl !== undefined && !isHttpUrl(input.callbackUrl)) {
    throw new BadUserInputError('callbackUrl must be an absolute http or https URL.', 'input.callbackUrl');
  }
}

/** The bare base64 of the DER SubjectPublicKeyInfo that Jiguang expects: PEM armour and whitespace removed. */
export function normalizeRsaPublicKey(text: string): string {
  return text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
}

function checkRsaPublicKey(text: string): void {
  const fail = (why: string) =>
    new BadUserInputError(
      `rsaPublicKey must be a ${RSA_MODULUS_BITS}-bit RSA public key, base64 of a DER SubjectPublicKeyInfo (PKCS#8 public key, PEM accepted): ${why}`,
      'input.rsaPublicKey',
    );
  if (text.includes('-----BEGIN RSA PUBLIC KEY-----')) throw fail('this is a PKCS#1 "RSA PUBLIC KEY"; convert it to a SubjectPublicKeyInfo ("PUBLIC KEY").');
  const base64 = normalizeRsaPublicKey(text);
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) throw fail('it is not base64.');
  let details: { type: string | undefined; bits: number | undefined };
  try {
    const key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
    details = { type: key.asymmetricKeyType, bits: key.asymmetricKeyDetails?.modulusLength };
  } catch {
    throw fail('it is not a DER SubjectPublicKeyInfo.');
  }
  if (details.type !== 'rsa') throw fail(`it is a${details.type ? ` ${details.type}` : 'n unknown'} key, not RSA.`);
  if (details.bits !== RSA_MODULUS_BITS) throw fail(details.bits === undefined ? 'its modulus length is unknown.' : `its modulus is ${details.bits} bits.`);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
