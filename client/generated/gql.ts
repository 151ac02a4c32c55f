/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Apps {\n  apps {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}\n\nquery App($appKey: ID!) {\n  app(appKey: $appKey) {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}": typeof types.AppsDocument,
    "query AppsWithLinks {\n  apps {\n    appKey\n    name\n    androidPackage\n    shortLinks(first: 1) {\n      totalCount\n      nodes {\n        key\n        createdOn\n      }\n    }\n  }\n}": typeof types.AppsWithLinksDocument,
    "query PortraitTags($appKey: ID!, $subject: PortraitSubjectInput!, $tags: [String!]) {\n  app(appKey: $appKey) {\n    appKey\n    portraitTags(subject: $subject, tags: $tags) {\n      found\n      subject {\n        idType\n        value\n      }\n      tags {\n        code\n        score\n      }\n    }\n  }\n}": typeof types.PortraitTagsDocument,
    "query ShortLinks($appKey: ID!, $first: Int, $after: String) {\n  app(appKey: $appKey) {\n    appKey\n    shortLinks(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          key\n          url\n          name\n          channel\n          domain\n          shareTitle\n          shareDescription\n          androidUri\n          iosUri\n          jumpLinkType\n          landingPage\n          createdOn\n          updatedOn\n        }\n      }\n    }\n  }\n}\n\nquery ShortLinkStats($appKey: ID!, $key: String!, $from: LocalDate!, $to: LocalDate!, $platform: LinkPlatform) {\n  app(appKey: $appKey) {\n    appKey\n    shortLink(key: $key) {\n      key\n      url\n      stats(from: $from, to: $to, platform: $platform) {\n        from\n        to\n        platform\n        days {\n          day\n          exposures\n          clicks\n          opens\n          installs\n        }\n        totals {\n          exposures\n          clicks\n          opens\n          installs\n        }\n      }\n    }\n  }\n}": typeof types.ShortLinksDocument,
    "query Viewer {\n  viewer {\n    name\n    role\n    appKeys\n  }\n}": typeof types.ViewerDocument,
};
const documents: Documents = {
    "query Apps {\n  apps {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}\n\nquery App($appKey: ID!) {\n  app(appKey: $appKey) {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}": types.AppsDocument,
    "query AppsWithLinks {\n  apps {\n    appKey\n    name\n    androidPackage\n    shortLinks(first: 1) {\n      totalCount\n      nodes {\n        key\n        createdOn\n      }\n    }\n  }\n}": types.AppsWithLinksDocument,
    "query PortraitTags($appKey: ID!, $subject: PortraitSubjectInput!, $tags: [String!]) {\n  app(appKey: $appKey) {\n    appKey\n    portraitTags(subject: $subject, tags: $tags) {\n      found\n      subject {\n        idType\n        value\n      }\n      tags {\n        code\n        score\n      }\n    }\n  }\n}": types.PortraitTagsDocument,
    "query ShortLinks($appKey: ID!, $first: Int, $after: String) {\n  app(appKey: $appKey) {\n    appKey\n    shortLinks(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          key\n          url\n          name\n          channel\n          domain\n          shareTitle\n          shareDescription\n          androidUri\n          iosUri\n          jumpLinkType\n          landingPage\n          createdOn\n          updatedOn\n        }\n      }\n    }\n  }\n}\n\nquery ShortLinkStats($appKey: ID!, $key: String!, $from: LocalDate!, $to: LocalDate!, $platform: LinkPlatform) {\n  app(appKey: $appKey) {\n    appKey\n    shortLink(key: $key) {\n      key\n      url\n      stats(from: $from, to: $to, platform: $platform) {\n        from\n        to\n        platform\n        days {\n          day\n          exposures\n          clicks\n          opens\n          installs\n        }\n        totals {\n          exposures\n          clicks\n          opens\n          installs\n        }\n      }\n    }\n  }\n}": types.ShortLinksDocument,
    "query Viewer {\n  viewer {\n    name\n    role\n    appKeys\n  }\n}": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Apps {\n  apps {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}\n\nquery App($appKey: ID!) {\n  app(appKey: $appKey) {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}"): (typeof documents)["query Apps {\n  apps {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}\n\nquery App($appKey: ID!) {\n  app(appKey: $appKey) {\n    appKey\n    name\n    androidPackage\n    groupName\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AppsWithLinks {\n  apps {\n    appKey\n    name\n    androidPackage\n    shortLinks(first: 1) {\n      totalCount\n      nodes {\n        key\n        createdOn\n      }\n    }\n  }\n}"): (typeof documents)["query AppsWithLinks {\n  apps {\n    appKey\n    name\n    androidPackage\n    shortLinks(first: 1) {\n      totalCount\n      nodes {\n        key\n        createdOn\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PortraitTags($appKey: ID!, $subject: PortraitSubjectInput!, $tags: [String!]) {\n  app(appKey: $appKey) {\n    appKey\n    portraitTags(subject: $subject, tags: $tags) {\n      found\n      subject {\n        idType\n        value\n      }\n      tags {\n        code\n        score\n      }\n    }\n  }\n}"): (typeof documents)["query PortraitTags($appKey: ID!, $subject: PortraitSubjectInput!, $tags: [String!]) {\n  app(appKey: $appKey) {\n    appKey\n    portraitTags(subject: $subject, tags: $tags) {\n      found\n      subject {\n        idType\n        value\n      }\n      tags {\n        code\n        score\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ShortLinks($appKey: ID!, $first: Int, $after: String) {\n  app(appKey: $appKey) {\n    appKey\n    shortLinks(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          key\n          url\n          name\n          channel\n          domain\n          shareTitle\n          shareDescription\n          androidUri\n          iosUri\n          jumpLinkType\n          landingPage\n          createdOn\n          updatedOn\n        }\n      }\n    }\n  }\n}\n\nquery ShortLinkStats($appKey: ID!, $key: String!, $from: LocalDate!, $to: LocalDate!, $platform: LinkPlatform) {\n  app(appKey: $appKey) {\n    appKey\n    shortLink(key: $key) {\n      key\n      url\n      stats(from: $from, to: $to, platform: $platform) {\n        from\n        to\n        platform\n        days {\n          day\n          exposures\n          clicks\n          opens\n          installs\n        }\n        totals {\n          exposures\n          clicks\n          opens\n          installs\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query ShortLinks($appKey: ID!, $first: Int, $after: String) {\n  app(appKey: $appKey) {\n    appKey\n    shortLinks(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          key\n          url\n          name\n          channel\n          domain\n          shareTitle\n          shareDescription\n          androidUri\n          iosUri\n          jumpLinkType\n          landingPage\n          createdOn\n          updatedOn\n        }\n      }\n    }\n  }\n}\n\nquery ShortLinkStats($appKey: ID!, $key: String!, $from: LocalDate!, $to: LocalDate!, $platform: LinkPlatform) {\n  app(appKey: $appKey) {\n    appKey\n    shortLink(key: $key) {\n      key\n      url\n      stats(from: $from, to: $to, platform: $platform) {\n        from\n        to\n        platform\n        days {\n          day\n          exposures\n          clicks\n          opens\n          installs\n        }\n        totals {\n          exposures\n          clicks\n          opens\n          installs\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer {\n  viewer {\n    name\n    role\n    appKeys\n  }\n}"): (typeof documents)["query Viewer {\n  viewer {\n    name\n    role\n    appKeys\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;