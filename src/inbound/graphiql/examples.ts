// GraphiQL's example tabs in the default mode: one read per Jiguang service, then the mutations, each
// marked on its first line. Variables name the app through placeholders that the page replaces with an
// app that has data (it asks `AppsWithLinks` with the visitor's token, so a token limited to some
// apps gets one of those); see browser.ts.
import { chinaToday, dateOfDay } from '../../core/dates.js';

/** One preloaded tab; GraphiQL titles a tab after its operation name. */
export interface ExampleTab {
  query: string;
  variables?: Record<string, unknown>;
}

/** Strings the page replaces in the variables (a JSON string value equal to one of them). */
export const PLACEHOLDERS = { appKey: '$appKey', linkKey: '$linkKey', androidPackage: '$androidPackage' } as const;

/** Marks a mutation tab: the first line of its query. */
export const MUTATION_MARK = '# MUTATION — changes Jiguang data (needs an admin token).';

/** Jiguang's statistics window of the examples: the last 30 days, in Jiguang's calendar (UTC+8). */
export function exampleDates(nowMs: number = Date.now()): { from: string; to: string; yesterday: string } {
  const today = chinaToday(nowMs);
  return { from: dateOfDay(today - 29), to: dateOfDay(today), yesterday: dateOfDay(today - 1) };
}

/** A 1024-bit RSA public key (SPKI, base64) for the one-tap login example; its private key is gone. */
const EXAMPLE_RSA_PUBLIC_KEY =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC8QKQlwbupW2hlgFQnDXnFfysOeGlU2mvjiVCzEwCWk0Q9g7vp8TI8Nbjs4wAdDA96noxjkNqUXUQlqUWK/5fKGvoh+Et4EypeaSWbykTWmpCla6hTuDKecgFXvj0DJoe54iusle3KKaCqVHhLutLjU2a1bB53ZOoHyfgOfJQFewIDAQAB';

export function exampleTabs(nowMs: number = Date.now()): ExampleTab[] {
  const { from, to, yesterday } = exampleDates(nowMs);
  const appKey = PLACEHOLDERS.appKey;
  return [
    {
      query: `# Every app the gateway knows (those your token may use). The other tabs open one that has short links.
query Apps {
  apps { appKey name androidPackage groupName }
}
`,
    },
    {
      query: `# JMLink: an app's short links with their daily statistics over the last 30 days.
# Next page: pass pageInfo.endCursor as \`after\`.
query ShortLinks($appKey: ID!, $from: LocalDate!, $to: LocalDate!, $after: String) {
  app(appKey: $appKey) {
    name
    shortLinks(first: 5, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        key url name createdOn
        stats(from: $from, to: $to, platform: ALL) {
          totals { exposures clicks opens installs }
          days { day clicks }
        }
      }
    }
  }
}
`,
      variables: { appKey, from, to },
    },
    {
      query: `# JPortrait: the audience tags of one device, each with a score from 0 to 1.
# Leave out \`tags\` to get every tag known for the subject.
query AudienceTags($appKey: ID!, $subject: PortraitSubjectInput!) {
  app(appKey: $appKey) {
    name
    portraitTags(subject: $subject, tags: ["HADI_SHOPPING_MALL", "HAGI_SHOPPING_ALL"]) {
      found
      tags { code score }
      subject { idType value }
    }
  }
}
`,
      variables: { appKey, subject: { idType: 'OAID', value: 'oaid-1' } },
    },
    {
      query: `# JVerification: where the app's one-tap login review stands on each platform.
query OneTapLoginStatus($appKey: ID!) {
  app(appKey: $appKey) {
    name
    android: oneTapLogin(platform: ANDROID) { state requestedAt lastCallback { code receivedAt } }
    ios: oneTapLogin(platform: IOS) { state requestedAt lastCallback { code receivedAt } }
  }
}
`,
      variables: { appKey },
    },
    {
      query: `# JPush Admin: the app's iOS push certificates uploaded through the gateway. Uploading one is a
# multipart request (uploadCertificate, see the README); GraphiQL cannot send files.
query PushCertificates($appKey: ID!) {
  app(appKey: $appKey) {
    name
    certificates { environment subject bundleId topics notBefore notAfter uploadedAt }
  }
}
`,
      variables: { appKey },
    },
    {
      query: `# Operation Growth: the user (CUID) behind one identity value; null when Jiguang knows none.
query GrowthUser($identityName: String!, $value: String!) {
  growthUser(identityName: $identityName, value: $value) { cuid }
}
`,
      variables: { identityName: 'phone', value: '13800000000' },
    },
    {
      query: `${MUTATION_MARK}
# JPush Admin: creates an app, or returns the one that already has this Android package
# (newlyCreated: false). The master secret is shown this once.
mutation CreateApp($input: CreateAppInput!) {
  createApp(input: $input) {
    app { appKey name androidPackage groupName }
    newlyCreated
    masterSecret
    secretStored
    notice
  }
}
`,
      variables: { input: { name: 'GraphiQL Example', androidPackage: 'com.example.graphiql' } },
    },
    {
      query: `${MUTATION_MARK}
# JVerification: asks Jiguang to review the app for one-tap login. The state stays PENDING until
# Jiguang posts its result to the gateway's callback; asking again while pending changes nothing.
mutation EnableOneTapLogin($input: EnableOneTapLoginInput!) {
  enableOneTapLogin(input: $input) { appKey platform state requestedAt lastCallback { code receivedAt } }
}
`,
      variables: {
        input: {
          appKey,
          platform: 'ANDROID',
          packageName: PLACEHOLDERS.androidPackage,
          appSign: '0123456789abcdef0123456789abcdef',
          category: 'APPLICATION',
          appIntro: 'A shopping app for small stores: browse the catalogue, order, pay and follow deliveries in one place.',
          rsaPublicKey: EXAMPLE_RSA_PUBLIC_KEY,
        },
      },
    },
    {
      query: `${MUTATION_MARK}
# Operation Growth: reports one event of a user. Sending the same event again is harmless: its
# randomId (derived when not given) lets Jiguang drop the repeat.
mutation ReportGrowthEvents($appKey: ID!, $events: [GrowthEventInput!]!) {
  reportGrowthEvents(appKey: $appKey, events: $events) {
    total succeeded failed
    items { index ok randomId error { code message businessCode } }
  }
}
`,
      variables: {
        appKey,
        events: [{ cuid: '4294967297', name: 'graphiql_example', time: `${yesterday}T04:00:00.000Z`, properties: { source: 'graphiql' } }],
      },
    },
  ];
}
