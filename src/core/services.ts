// The Jiguang services as every layer names them: the configuration (base URLs, credentials, quotas),
// the upstream pipeline, the errors and the metrics. Nothing here imports the rest of src/.

/** A Jiguang service the gateway calls. */
export type ServiceName = 'jmlink' | 'portrait' | 'push-admin' | 'verification-admin' | 'growth';

/** Named quota buckets (src/http/quota.ts); their sizes are configuration (src/config/settings.ts). */
export type QuotaBucketName = 'jmlink.links' | 'jmlink.stats' | 'portrait' | 'push-admin' | 'verification-admin' | 'growth';

/** A Basic-auth pair: appKey:masterSecret, the developer account's dev_key:dev_secret, or a Growth project's id:secret. */
export interface Credentials {
  username: string;
  password: string;
}
