/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** The platform a link statistic counts (JMLink's `platform`: `all`, `android`, `ios`). */
export type LinkPlatform =
  /** Android and iOS together (JMLink `all`). */
  | 'ALL'
  /** Visitors on Android only (JMLink `android`). */
  | 'ANDROID'
  /** Visitors on iOS only (JMLink `ios`). */
  | 'IOS';

/** How a subject of an audience-tag query is identified (sent to JPortrait as `id_type`, in lower case). */
export type PortraitIdType =
  /** Android ID of the device. */
  | 'ANDROID_ID'
  /** iOS IDFA (Identifier for Advertisers) of the device. */
  | 'IDFA'
  /** Android IMEI (the device's equipment identity). */
  | 'IMEI'
  /** Android OAID (Open Anonymous Device Identifier) of the device. */
  | 'OAID'
  /** MD5 of the phone number, 32 lower-case hex characters. */
  | 'PHONE_MD5'
  /** SHA-256 of the phone number, 64 lower-case hex characters. */
  | 'PHONE_SHA256'
  /** Jiguang (JPush) registration id of the device. */
  | 'REGISTRATION_ID';

/** The subject of an audience-tag query. */
export type PortraitSubjectInput = {
  /** What kind of identifier `value` is. */
  idType: PortraitIdType;
  /**
   * The identifier, 1 to 128 characters once surrounding white space is trimmed; for `PHONE_MD5` 32 and
   * for `PHONE_SHA256` 64 lower-case hex characters. `BAD_USER_INPUT` otherwise.
   */
  value: string;
};

/**
 * A token's role: what kind of operation it may run. Mutations of a `READER` are refused with
 * `FORBIDDEN` (HTTP 403) before anything runs.
 */
export type Role =
  /** Queries and mutations. */
  | 'ADMIN'
  /** Queries only. */
  | 'READER';

export type AppsQueryVariables = Exact<{ [key: string]: never; }>;


export type AppsQuery = { apps: Array<{ appKey: string, name: string, androidPackage: string, groupName: string | null }> };

export type AppQueryVariables = Exact<{
  appKey: string | number;
}>;


export type AppQuery = { app: { appKey: string, name: string, androidPackage: string, groupName: string | null } | null };

export type AppsWithLinksQueryVariables = Exact<{ [key: string]: never; }>;


export type AppsWithLinksQuery = { apps: Array<{ appKey: string, name: string, androidPackage: string, shortLinks: { totalCount: number, nodes: Array<{ key: string, createdOn: string }> } | null }> };

export type PortraitTagsQueryVariables = Exact<{
  appKey: string | number;
  subject: PortraitSubjectInput;
  tags?: Array<string> | string | null | undefined;
}>;


export type PortraitTagsQuery = { app: { appKey: string, portraitTags: { found: boolean, subject: { idType: PortraitIdType, value: string }, tags: Array<{ code: string, score: number }> } | null } | null };

export type ShortLinksQueryVariables = Exact<{
  appKey: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ShortLinksQuery = { app: { appKey: string, shortLinks: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: number, key: string, url: string, name: string, channel: string, domain: string, shareTitle: string | null, shareDescription: string | null, androidUri: string | null, iosUri: string | null, jumpLinkType: string, landingPage: string | null, createdOn: string, updatedOn: string } }> } | null } | null };

export type ShortLinkStatsQueryVariables = Exact<{
  appKey: string | number;
  key: string;
  from: string;
  to: string;
  platform?: LinkPlatform | null | undefined;
}>;


export type ShortLinkStatsQuery = { app: { appKey: string, shortLink: { key: string, url: string, stats: { from: string, to: string, platform: LinkPlatform, days: Array<{ day: string, exposures: number, clicks: number, opens: number, installs: number }>, totals: { exposures: number, clicks: number, opens: number, installs: number } } | null } | null } | null };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { name: string, role: Role, appKeys: Array<string> | null } };


export const AppsDocument = {"__meta__":{"hash":"sha256:8893998cf7363c3a8550763c0ea04f588bb03be36f1f4bc999ebc2024583e324"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Apps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appKey"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"androidPackage"}},{"kind":"Field","name":{"kind":"Name","value":"groupName"}}]}}]}}]} as unknown as DocumentNode<AppsQuery, AppsQueryVariables>;
export const AppDocument = {"__meta__":{"hash":"sha256:3b6a58335db85e0901252243b988c75b1059e4ae0e6acfbc561b25812f5611d1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"App"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"app"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appKey"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"androidPackage"}},{"kind":"Field","name":{"kind":"Name","value":"groupName"}}]}}]}}]} as unknown as DocumentNode<AppQuery, AppQueryVariables>;
export const AppsWithLinksDocument = {"__meta__":{"hash":"sha256:3c20501ada379e53fa37b60fdf2699e8a00e6b8c2ca89634dbcbcbb697a3f4be"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AppsWithLinks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appKey"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"androidPackage"}},{"kind":"Field","name":{"kind":"Name","value":"shortLinks"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"createdOn"}}]}}]}}]}}]}}]} as unknown as DocumentNode<AppsWithLinksQuery, AppsWithLinksQueryVariables>;
export const PortraitTagsDocument = {"__meta__":{"hash":"sha256:c7e31fc90d88402319fb80508d0dd8b9f5fe67562e5f9ee04456f660b539d943"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortraitTags"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"subject"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PortraitSubjectInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tags"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"app"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appKey"}},{"kind":"Field","name":{"kind":"Name","value":"portraitTags"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"subject"},"value":{"kind":"Variable","name":{"kind":"Name","value":"subject"}}},{"kind":"Argument","name":{"kind":"Name","value":"tags"},"value":{"kind":"Variable","name":{"kind":"Name","value":"tags"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"found"}},{"kind":"Field","name":{"kind":"Name","value":"subject"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"idType"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tags"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"score"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PortraitTagsQuery, PortraitTagsQueryVariables>;
export const ShortLinksDocument = {"__meta__":{"hash":"sha256:8fe3e48960978e71e6d20b0e5272dd71261c7cabc76ae4c377c6fa832c9acde2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShortLinks"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"app"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appKey"}},{"kind":"Field","name":{"kind":"Name","value":"shortLinks"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"domain"}},{"kind":"Field","name":{"kind":"Name","value":"shareTitle"}},{"kind":"Field","name":{"kind":"Name","value":"shareDescription"}},{"kind":"Field","name":{"kind":"Name","value":"androidUri"}},{"kind":"Field","name":{"kind":"Name","value":"iosUri"}},{"kind":"Field","name":{"kind":"Name","value":"jumpLinkType"}},{"kind":"Field","name":{"kind":"Name","value":"landingPage"}},{"kind":"Field","name":{"kind":"Name","value":"createdOn"}},{"kind":"Field","name":{"kind":"Name","value":"updatedOn"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ShortLinksQuery, ShortLinksQueryVariables>;
export const ShortLinkStatsDocument = {"__meta__":{"hash":"sha256:c3ddbed581f077b1382ab446a6182c9de2b5e0ee56a3cc17bbbfed2448cf7900"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShortLinkStats"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LocalDate"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LocalDate"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"platform"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"LinkPlatform"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"app"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appKey"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appKey"}},{"kind":"Field","name":{"kind":"Name","value":"shortLink"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"stats"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"platform"},"value":{"kind":"Variable","name":{"kind":"Name","value":"platform"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"days"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"day"}},{"kind":"Field","name":{"kind":"Name","value":"exposures"}},{"kind":"Field","name":{"kind":"Name","value":"clicks"}},{"kind":"Field","name":{"kind":"Name","value":"opens"}},{"kind":"Field","name":{"kind":"Name","value":"installs"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"exposures"}},{"kind":"Field","name":{"kind":"Name","value":"clicks"}},{"kind":"Field","name":{"kind":"Name","value":"opens"}},{"kind":"Field","name":{"kind":"Name","value":"installs"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<ShortLinkStatsQuery, ShortLinkStatsQueryVariables>;
export const ViewerDocument = {"__meta__":{"hash":"sha256:9737b1015d830da2cd9ea9ff33335474a3c6f9d588ec249a265e4e76518447ca"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"appKeys"}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;