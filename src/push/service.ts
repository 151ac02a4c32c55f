// JPush Admin for one request: the app lifecycle and certificate uploads, through the pipeline.
import type { CallContext } from '../http/call.js';
import type { Upstream } from '../http/upstream.js';
import { type CertificateFile, type CreateAppParams, type CreatedApp, createApp, deleteApp, uploadCertificates } from './endpoints.js';

export interface PushAdminService {
  createApp(params: CreateAppParams): Promise<CreatedApp>;
  deleteApp(appKey: string): Promise<void>;
  uploadCertificates(appKey: string, files: CertificateFile[]): Promise<void>;
}

export function createPushAdmin(upstream: Upstream, call: CallContext): PushAdminService {
  return {
    createApp: async (params) => (await upstream.request(createApp, params, call)).value,
    deleteApp: async (appKey) => {
      await upstream.request(deleteApp, { appKey }, call);
    },
    uploadCertificates: async (appKey, files) => {
      await upstream.request(uploadCertificates, { appKey, files }, call);
    },
  };
}
