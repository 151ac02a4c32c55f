// Opens an iOS push certificate (.p12) with its password before it is uploaded to JPush Admin, so that a
// wrong password, a wrong file or an expired certificate is a clear BAD_USER_INPUT, not an opaque 1012.
import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { BadUserInputError } from '../core/errors.js';

export const MAX_CERTIFICATE_BYTES = 64 * 1024;

export type CertificateEnvironment = 'development' | 'production';

export interface CertificateInfo {
  environment: CertificateEnvironment;
  /** The certificate's subject, RFC 4514 style in the certificate's order: `UID=…, CN=…, O=…`. */
  subject: string;
  /** The subject's UID attribute, where Apple push certificates carry the bundle id. */
  bundleId: string | null;
  /** Topics from Apple's extension 1.2.840.113635.100.6.3.6 (best effort; empty when absent). */
  topics: string[];
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the file, lower-case hex. */
  sha256: string;
}

const UID_OID = '0.9.2342.19200300.100.1.1';
const APPLE_TOPICS_OID = '1.2.840.113635.100.6.3.6';
const SHORT_NAMES: Record<string, string> = { [UID_OID]: 'UID', '2.5.4.5': 'serialNumber', '1.2.840.113549.1.9.1': 'emailAddress' };

export function inspectP12(file: Buffer, password: string, environment: CertificateEnvironment, now: Date = new Date()): CertificateInfo {
  const fileArg = `${environment}.file`;
  const what = `The ${environment} certificate`;
  if (file.length === 0) throw new BadUserInputError(`${what} file is empty.`, fileArg);
  if (file.length > MAX_CERTIFICATE_BYTES) throw new BadUserInputError(`${what} file is larger than 64 KiB.`, fileArg);

  const notP12 = () => new BadUserInputError(`${what} file is not a PKCS#12 (.p12) file.`, fileArg);
  let asn1: forge.asn1.Asn1;
  try {
    // Strict (forge also insists that every byte is parsed): a PEM file or random bytes is refused here.
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(file.toString('binary')), true);
  } catch {
    throw notP12();
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (message.includes('MAC could not be verified')) throw new BadUserInputError(`${what} password is wrong: the file could not be opened with it.`, `${environment}.password`);
    if (message.startsWith('Cannot read PKCS#12 PFX') || message.includes('PFX of version')) throw notP12();
    // Without a MAC a wrong password shows up as undecryptable contents; forge also refuses some algorithms.
    throw new BadUserInputError(`${what} file could not be opened: the password is wrong, or the file is damaged or uses unsupported encryption.`, `${environment}.password`);
  }

  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  if (certBags.length === 0) throw new BadUserInputError(`${what} file contains no certificate.`, fileArg);
  const keyBags = [forge.pki.oids.pkcs8ShroudedKeyBag!, forge.pki.oids.keyBag!].flatMap((type) => p12.getBags({ bagType: type })[type] ?? []);
  if (keyBags.length === 0) throw new BadUserInputError(`${what} file contains no private key; export the certificate together with its key.`, fileArg);
  const cert = certBags.find((bag) => bag.cert)?.cert;
  if (!cert) throw new BadUserInputError(`${what} could not be read: only RSA certificates are supported.`, fileArg);

  const { notBefore, notAfter } = cert.validity;
  if (notAfter.getTime() < now.getTime()) throw new BadUserInputError(`${what} expired on ${notAfter.toISOString()}.`, fileArg);
  if (notBefore.getTime() > now.getTime()) throw new BadUserInputError(`${what} is not valid before ${notBefore.toISOString()}.`, fileArg);

  const attributes = cert.subject.attributes;
  const subject = attributes.map((a) => `${a.shortName ?? SHORT_NAMES[a.type ?? ''] ?? a.type}=${escapeDn(String(a.value))}`).join(', ');
  const uid = attributes.find((a) => a.type === UID_OID)?.value;
  return {
    environment,
    subject,
    bundleId: typeof uid === 'string' && uid !== '' ? uid : null,
    topics: appleTopics(cert),
    notBefore,
    notAfter,
    sha256: createHash('sha256').update(file).digest('hex'),
  };
}

function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;]/g, '\\$&').replace(/^[ #]| $/g, '\\$&');
}

/** Apple's topics extension: a SEQUENCE of UTF8String topics, each followed by a SEQUENCE of its kinds. */
function appleTopics(cert: forge.pki.Certificate): string[] {
  const extension = (cert.extensions as Array<{ id?: string; value?: string }>).find((e) => e.id === APPLE_TOPICS_OID);
  if (typeof extension?.value !== 'string') return [];
  try {
    const sequence = forge.asn1.fromDer(extension.value);
    if (!Array.isArray(sequence.value)) return [];
    return sequence.value
      .filter((item) => item.tagClass === forge.asn1.Class.UNIVERSAL && item.type === forge.asn1.Type.UTF8 && typeof item.value === 'string')
      .map((item) => forge.util.decodeUtf8(item.value as string));
  } catch {
    return [];
  }
}
