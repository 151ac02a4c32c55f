// JPortrait models the GraphQL resolvers are mapped to (see codegen.ts mappers).
import type { PortraitIdType } from '../generated/graphql.js';

export interface PortraitSubjectModel {
  idType: PortraitIdType;
  value: string;
}

export interface PortraitTagModel {
  code: string;
  score: number;
}

export interface PortraitTagsModel {
  subject: PortraitSubjectModel;
  found: boolean;
  /** Highest score first, then by code. */
  tags: PortraitTagModel[];
}
