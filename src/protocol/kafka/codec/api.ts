/**
 * An API's wire description: key, the versions Strata implements (and advertises in ApiVersions — exactly
 * these, nothing more), the first flexible version (request header v2 / response header v1, compact types),
 * and the request and response schemas.
 */
import type { Schema } from './schema.js';

export interface ApiDef {
  key: number;
  name: string;
  min: number;
  max: number;
  /** First flexible version; Infinity when the API has none. */
  flexibleFrom: number;
  request: Schema;
  response: Schema;
}

export const isFlexible = (api: ApiDef, version: number): boolean => version >= api.flexibleFrom;
