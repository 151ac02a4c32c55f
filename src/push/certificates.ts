// The certificates the gateway uploaded, kept in the registry per app (Jiguang has no call that
// lists them), and the reading and opening of uploaded files, with their size limit.
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import { BadRequestError, BadUserInputError } from '../core/errors.js';
import type { AppRegistry } from '../registry/index.js';
import { type CertificateEnvironment, type CertificateInfo, inspectP12, MAX_CERTIFICATE_BYTES } from './certificate.js';
import type { CertificateFile } from './endpoints.js';

export interface StoredCertificate {
  environment: 'DEVELOPMENT' | 'PRODUCTION';
  subject: string;
  bundleId: string | null;
  topics: string[];
  notBefore: string;
  notAfter: string;
  sha256: string;
  uploadedAt: string;
}

type StoredCertificates = Partial<Record<'development' | 'production', StoredCertificate>>;

const COLLECTION = 'certificates';

export async function certificatesOf(registry: AppRegistry, appKey: string): Promise<StoredCertificate[]> {
  const stored = (await registry.getRecord<StoredCertificates>(COLLECTION, appKey)) ?? {};
  return [stored.development, stored.production].filter((c): c is StoredCertificate => c !== undefined);
}

export async function saveCertificates(registry: AppRegistry, appKey: string, infos: CertificateInfo[], uploadedAt: Date): Promise<StoredCertificate[]> {
  const saved = infos.map(
    (info): StoredCertificate => ({
      environment: info.environment === 'development' ? 'DEVELOPMENT' : 'PRODUCTION',
      subject: info.subject,
      bundleId: info.bundleId,
      topics: info.topics,
      notBefore: info.notBefore.toISOString(),
      notAfter: info.notAfter.toISOString(),
      sha256: info.sha256,
      uploadedAt: uploadedAt.toISOString(),
    }),
  );
  await registry.updateRecord<StoredCertificates>(COLLECTION, appKey, (current) => {
    const next = { ...current };
    infos.forEach((info, i) => {
      next[info.environment] = saved[i];
    });
    return next;
  });
  return saved;
}

/** Reads an uploaded file into memory, refusing one over MAX_CERTIFICATE_BYTES as it streams in. */
export async function readUpload(upload: Promise<FileUpload>, argument: string): Promise<{ file: Buffer; filename: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let filename = '';
  try {
    const { filename: name, createReadStream } = await upload;
    filename = name;
    for await (const chunk of createReadStream()) {
      size += (chunk as Buffer).length;
      if (size > MAX_CERTIFICATE_BYTES) throw new BadUserInputError(`\`${argument}\` is larger than ${MAX_CERTIFICATE_BYTES / 1024} KiB.`, argument);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof BadUserInputError) throw error;
    // graphql-upload ends the stream with a 413 error once the file passes the request's file limit.
    if ((error as { status?: number }).status === 413) throw new BadUserInputError(`\`${argument}\` is larger than ${MAX_CERTIFICATE_BYTES / 1024} KiB.`, argument);
    // Anything else the multipart parser reports (the body ended inside the file, the file part
    // never came) means the request was incomplete.
    throw new BadRequestError(`\`${argument}\` could not be read: the multipart request ended before its file was complete.`);
  }
  return { file: Buffer.concat(chunks), filename: filename.replace(/[^\w.-]/g, '_').slice(0, 100) || 'certificate.p12' };
}

/** The files of an upload, each read and opened with its password: what is sent, and what is recorded. */
export interface OpenedCertificates {
  files: CertificateFile[];
  infos: CertificateInfo[];
}

/**
 * Reads and opens every file given before anything is sent, so one bad file sends none
 * (BAD_USER_INPUT naming it: too large, not PKCS#12, wrong password, no key, expired).
 */
export async function openCertificates(given: Partial<Record<CertificateEnvironment, { file: Promise<FileUpload>; password: string } | null>>): Promise<OpenedCertificates> {
  const opened: OpenedCertificates = { files: [], infos: [] };
  for (const environment of ['development', 'production'] as const) {
    const input = given[environment];
    if (!input) continue;
    const { file, filename } = await readUpload(input.file, `${environment}.file`);
    opened.infos.push(inspectP12(file, input.password, environment));
    opened.files.push({ environment, file, filename, password: input.password });
  }
  return opened;
}
