// JPortrait (iAudience; docs: jportrait/server/restapi_overview) with the app's appKey:masterSecret,
// in the {code, message, requestId, data} envelope. The docs give the envelope and codes but not the
// request body; the gateway's choice is made here and only here (docs/upstream-assumptions.md):
//   POST /iaudience/open  {"id_type": "<lower-case PortraitIdType>", "id_value": "...", "tags": [codes]?}

import { isRecord } from '../core/json.js';
import { defineEndpoint } from '../http/endpoint.js';
import { type EnvelopeSpec, malformed } from '../http/envelope.js';
import type { PortraitSubjectModel, PortraitTagModel } from './types.js';

export const PORTRAIT_ENVELOPE: EnvelopeSpec = {
  service: 'portrait',
  code: ['code'],
  message: ['message'],
  requestId: ['requestId'],
  // 2001 ("data not found") is an empty answer, not a failure.
  success: (code) => code === '2000' || code === '2001',
  codes: {
    '2002': 'UPSTREAM_ERROR', // biz error
    '4000': 'BAD_USER_INPUT', // params invalid
    '5000': 'UPSTREAM_UNAVAILABLE', // internal server error
    '6002': 'UPSTREAM_AUTH_FAILED', // authorization invalid
  },
};

export interface PortraitParams {
  appKey: string;
  subject: PortraitSubjectModel;
  /** Sorted tag codes, or null for every tag Jiguang has for the subject. */
  tags: readonly string[] | null;
}

export interface PortraitAnswer {
  found: boolean;
  tags: PortraitTagModel[];
}

export const portraitTags = defineEndpoint<PortraitParams, PortraitAnswer>({
  service: 'portrait',
  name: 'portrait.tags',
  method: 'POST',
  credentials: 'app',
  appKey: (p) => p.appKey,
  request: (p) => ({ path: '/iaudience/open', json: { id_type: p.subject.idType.toLowerCase(), id_value: p.subject.value, ...(p.tags ? { tags: p.tags } : {}) } }),
  envelope: PORTRAIT_ENVELOPE,
  parse: ({ body, code, info }) => {
    if (code === '2001') return { found: false, tags: [] };
    const data = isRecord(body) ? body.data : null;
    if (data === null || data === undefined) return { found: true, tags: [] };
    const bad = { ...info, businessCode: '2000', upstreamMessage: 'malformed data' };
    if (!isRecord(data)) throw malformed(bad);
    const tags: PortraitTagModel[] = [];
    for (const [tagCode, raw] of Object.entries(data)) {
      const score = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(score) || score < 0 || score > 1) throw malformed(bad);
      tags.push({ code: tagCode, score });
    }
    return { found: true, tags };
  },
  idempotent: true, // a read: sending it twice changes nothing
  cache: { policy: 'portraitTags', key: (p) => `${p.subject.idType}:${p.subject.value}:${p.tags ? p.tags.join(',') : '*'}` },
  quota: 'portrait',
});
