// Seeded demo data (apps and their JMLink links, the developer account, the Growth project), derived only
// from the seed and the start-up clock so the same seed gives the same answers; also the live app registry.
import { formatDay, jiguangDay } from './dates.js';
import { fromAlphabet, hexString, intBetween, pick, rngFor } from './prng.js';
import type { AddAppOptions, EmulatorApp, EmulatorDeveloper, EmulatorGrowthProject } from './types.js';

export interface EmulatorLink {
  id: number;
  link_key: string;
  name: string;
  channel: string;
  app_domain: string;
  share_title: string | null;
  share_desc: string | null;
  android_uri: string;
  ios_uri: string;
  jump_link_type: 'DOWNLOAD';
  landing_page: string;
  create_time: string;
  update_time: string;
}

export interface StoredApp {
  app: EmulatorApp;
  domain: string;
  links: EmulatorLink[];
  /** link_key -> link, with the day number the link was created. */
  byKey: Map<string, { link: EmulatorLink; createDay: number }>;
}

/** Number of links of the seeded apps, in order. */
export const SEEDED_LINK_COUNTS = [600, 120, 0] as const;
/** Links of apps added later with addApp (the docs give no reason for any particular number). */
export const ADDED_APP_LINK_COUNT = 25;

const SEEDED_APPS = [
  { name: 'Demo Shop', androidPackage: 'com.example.demoshop', groupName: 'demo-group' },
  { name: 'Demo News', androidPackage: 'com.example.demonews', groupName: 'demo-group' },
  { name: 'Demo Empty', androidPackage: 'com.example.demoempty', groupName: null },
] as const;

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CHANNELS = ['wechat', 'weibo', 'douyin', 'qq', 'sms', 'email', 'official_site', 'offline_poster', 'app_store_ad', 'kol'];
const CAMPAIGNS = ['Spring sale', 'Summer promo', 'Double 11', 'New user gift', 'Member day', 'Flash deal', 'Invite friends', 'Brand week', 'Back to school', 'Year-end review'];
const TITLES = ['Open in the app', 'A gift is waiting', 'Limited-time offer', 'See what your friend shared', 'Your coupon is ready'];
const DESCS = ['Tap to open the app directly.', 'Install the app and claim your reward.', 'Only a few days left.', 'Shared with you by a friend.'];

export function seededApps(seed: number): EmulatorApp[] {
  return SEEDED_APPS.map((base, i) => {
    const rng = rngFor('app', seed, i);
    return { appKey: hexString(rng, 24), masterSecret: hexString(rng, 24), ...base };
  });
}

/** The one developer account (dev_key:dev_secret) of JPush Admin and JVerification Admin. */
export function seededDeveloper(seed: number): EmulatorDeveloper {
  const rng = rngFor('developer', seed);
  return { devKey: hexString(rng, 24), devSecret: hexString(rng, 24) };
}

/** The one Operation Growth project (projectId:projectSecret); the docs do not show their format. */
export function seededGrowthProject(seed: number): EmulatorGrowthProject {
  const rng = rngFor('growth-project', seed);
  return { projectId: String(intBetween(rng, 10_000_000, 99_999_999)), projectSecret: hexString(rng, 32) };
}

/**
 * Links of one app, ordered by id ascending (ids grow with creation time). Creation days (UTC+8) lie in the
 * last 365 days before `nowMs`; the first `minAgeFirst.count` links are at least `minAgeFirst.days` old.
 * `keys`, when given, are the link_keys in order (and their number the count); the rest still derives from the app key.
 */
export function generateLinks(
  seed: number,
  appKey: string,
  count: number,
  nowMs: number,
  minAgeFirst = { count: 0, days: 0 },
  keys?: readonly string[],
): { domain: string; links: EmulatorLink[]; createDays: number[] } {
  if (keys) count = keys.length;
  const rng = rngFor('links', seed, appKey);
  const domain = `${fromAlphabet(rng, 'abcdefghijklmnopqrstuvwxyz0123456789', 6)}.jmlk.co`;
  const today = jiguangDay(nowMs);
  const ages: number[] = [];
  for (let i = 0; i < count; i++) ages.push(intBetween(rng, 0, 364));
  ages.sort((a, b) => b - a);
  const usedKeys = new Set<string>();
  const links: EmulatorLink[] = [];
  const createDays: number[] = [];
  let id = intBetween(rng, 1000, 9000);
  const scheme = `app${fromAlphabet(rng, 'abcdefghijklmnopqrstuvwxyz', 5)}`;
  for (let i = 0; i < count; i++) {
    id += intBetween(rng, 1, 3);
    let key: string;
    do key = fromAlphabet(rng, KEY_ALPHABET, 4);
    while (usedKeys.has(key));
    usedKeys.add(key);
    key = keys?.[i] ?? key; // drawn anyway: one random sequence whether or not keys are given
    let age = ages[i] ?? 0;
    if (i < minAgeFirst.count) age = Math.max(age, minAgeFirst.days);
    const createDay = today - age;
    const updateDay = createDay + intBetween(rng, 0, age);
    const hasShare = rng() < 0.75;
    const hasLanding = rng() < 0.7;
    links.push({
      id,
      link_key: key,
      name: `${pick(rng, CAMPAIGNS)} #${i + 1}`,
      channel: pick(rng, CHANNELS),
      app_domain: domain,
      share_title: hasShare ? pick(rng, TITLES) : null,
      share_desc: hasShare && rng() < 0.8 ? pick(rng, DESCS) : null,
      android_uri: `${scheme}://open/item/${id}`,
      ios_uri: `${scheme}://open/item/${id}`,
      jump_link_type: 'DOWNLOAD',
      landing_page: hasLanding ? `https://www.example.com/landing/${key}` : '',
      create_time: formatDay(createDay),
      update_time: formatDay(updateDay),
    });
    createDays.push(createDay);
  }
  return { domain, links, createDays };
}

export class AppStore {
  /** Live list of apps, in insertion order (Emulator.apps is this array). */
  readonly apps: EmulatorApp[] = [];
  private readonly stored = new Map<string, StoredApp>();

  constructor(
    private readonly seed: number,
    private readonly now: () => number,
  ) {}

  seed3(): void {
    const startMs = this.now();
    seededApps(this.seed).forEach((app, i) => {
      const count = SEEDED_LINK_COUNTS[i] ?? 0;
      this.put(app, generateLinks(this.seed, app.appKey, count, startMs, i === 0 ? { count: 10, days: 60 } : undefined));
    });
  }

  /** Adds (or replaces) an app; with `linkKeysFrom`, its links have exactly that app's link_keys. */
  add(app: EmulatorApp, options: AddAppOptions = {}): void {
    let keys: string[] | undefined;
    if (options.linkKeysFrom !== undefined) {
      const source = this.stored.get(options.linkKeysFrom);
      if (!source) throw new Error(`linkKeysFrom: no app ${options.linkKeysFrom}`);
      keys = source.links.map((l) => l.link_key);
    }
    this.remove(app.appKey);
    this.put({ ...app }, generateLinks(this.seed, app.appKey, ADDED_APP_LINK_COUNT, this.now(), undefined, keys));
  }

  remove(appKey: string): void {
    if (!this.stored.delete(appKey)) return;
    const i = this.apps.findIndex((a) => a.appKey === appKey);
    if (i >= 0) this.apps.splice(i, 1);
  }

  get(appKey: string): StoredApp | undefined {
    return this.stored.get(appKey);
  }

  /** The app with this Android package, or undefined. */
  byPackage(androidPackage: string): EmulatorApp | undefined {
    return this.apps.find((a) => a.androidPackage === androidPackage);
  }

  /** The app whose appKey and masterSecret both match, or undefined. */
  authenticate(appKey: string, masterSecret: string): StoredApp | undefined {
    const s = this.stored.get(appKey);
    return s && s.app.masterSecret === masterSecret ? s : undefined;
  }

  private put(app: EmulatorApp, gen: { domain: string; links: EmulatorLink[]; createDays: number[] }): void {
    const byKey = new Map<string, { link: EmulatorLink; createDay: number }>();
    gen.links.forEach((link, i) => {
      byKey.set(link.link_key, { link, createDay: gen.createDays[i] ?? 0 });
    });
    this.stored.set(app.appKey, { app, domain: gen.domain, links: gen.links, byKey });
    this.apps.push(app);
  }
}
