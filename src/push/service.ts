// JPush Admin for one request: the app lifecycle and certificate uploads, through the pipeline, and
// what the gateway keeps of them in its registry. A master secret Jiguang returns for a new app is
// stored in the registry before the answer leaves, and shown this once; if storing fails, the answer
// carries it so it is never lost. An app that existed already never has its secret shown again.

import type { Logger } from '../core/logger.js';
import type { CallContext } from '../http/call.js';
import type { Upstream } from '../http/upstream.js';
import type { AppRecord, AppRegistry } from '../registry/index.js';
import { type OpenedCertificates, type StoredCertificate, saveCertificates } from './certificates.js';
import { type CreateAppParams, type CreatedApp, createApp, deleteApp, uploadCertificates } from './endpoints.js';

/** What creating an app (or finding the one with its Android package) answers. */
export interface AppCreation {
  app: AppRecord;
  /** False when an app with this Android package already existed and was returned instead. */
  newlyCreated: boolean;
  /** The master secret, shown this once: null for an app that existed already or when Jiguang sent none. */
  masterSecret: string | null;
  /** Whether the registry holds the master secret, so the gateway can call the app's services. */
  secretStored: boolean;
  /** What to do when the secret is not stored. */
  notice: string | null;
}

export interface PushAdminService {
  /** Creates the app (checked input) and records it, with its secret, in the registry. */
  createApp(app: CreateAppParams): Promise<AppCreation>;
  /** Deletes the app at Jiguang, then forgets it: the app, its side-records and everything cached about it. */
  deleteApp(appKey: string): Promise<void>;
  /** Uploads the opened certificates and records them for `App.certificates`. */
  uploadCertificates(appKey: string, certificates: OpenedCertificates): Promise<StoredCertificate[]>;
}

export function createPushAdmin(upstream: Upstream, call: CallContext, registry: AppRegistry, logger: Logger): PushAdminService {
  return {
    createApp: async (app) => recordCreatedApp(registry, logger, app, (await upstream.request(createApp, app, call)).value),
    deleteApp: async (appKey) => {
      await upstream.request(deleteApp, { appKey }, call);
      // Only after Jiguang confirmed.
      await registry.remove(appKey);
      await upstream.invalidateApp(appKey);
    },
    uploadCertificates: async (appKey, { files, infos }) => {
      await upstream.request(uploadCertificates, { appKey, files }, call);
      return saveCertificates(registry, appKey, infos, new Date());
    },
  };
}

/** The registry's record of an app Jiguang created or found; a secret of an existing app is stored when the gateway lacked it, never shown. */
async function recordCreatedApp(registry: AppRegistry, logger: Logger, asked: CreateAppParams, created: CreatedApp): Promise<AppCreation> {
  const known = await registry.get(created.appKey);
  const record = {
    appKey: created.appKey,
    name: known?.name ?? asked.name,
    androidPackage: created.androidPackage,
    groupName: known?.groupName ?? asked.groupName,
    source: known?.source ?? ('created' as const),
  };
  const hadSecret = (await registry.secretOf(created.appKey)) !== undefined;
  const shown = created.newlyCreated ? created.masterSecret : null;
  const toStore = created.masterSecret !== null && (created.newlyCreated || !hadSecret) ? created.masterSecret : undefined;
  try {
    const app = await registry.upsert(record, toStore);
    const secretStored = toStore !== undefined || hadSecret;
    return {
      app,
      newlyCreated: created.newlyCreated,
      masterSecret: shown,
      secretStored,
      notice: secretStored
        ? null
        : `Jiguang did not return the master secret of existing app ${created.appKey}; add it to JIGUANG_APPS so the gateway can query the app's services.`,
    };
  } catch (error) {
    logger.error('registry write failed after app creation', { appKey: created.appKey, error: (error as Error).message });
    return {
      app: { ...record, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() },
      newlyCreated: created.newlyCreated,
      masterSecret: shown,
      secretStored: false,
      notice: shown
        ? 'The app was created, but the gateway could not store it: keep this master secret and add the app to JIGUANG_APPS.'
        : 'The gateway could not store the app; add it to JIGUANG_APPS with its master secret.',
    };
  }
}
