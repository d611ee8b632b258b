import type { Filter } from './list-route.ts';
import { featureName, idName, keyword, modelName, versionName } from './names.ts';

/** Filters shared by several list routes. Each value reaches ClickHouse only as the named parameter. */
export const byModel: Filter = { schema: modelName, where: 'model = {model:String}' };
export const byVersion: Filter = { schema: { ...versionName, description: 'Model version.' }, where: 'model_version = {version:String}' };
export const byFeature: Filter = { schema: featureName, where: 'feature = {feature:String}' };

/** An exact match on a keyword column (rule, kind, state, severity). */
export const byKeyword = (param: string, column: string, description: string): Filter => ({ schema: keyword(description), where: `${column} = {${param}:String}` });

/** An exact match on an id column. */
export const byId = (param: string, column: string, description: string): Filter => ({ schema: { ...idName, description }, where: `${column} = {${param}:String}` });

/** A UInt8 flag column, filtered with true/false. */
export const byFlag = (param: string, column: string, description: string): Filter => ({
  schema: { type: 'boolean', description },
  where: `${column} = {${param}:UInt8}`,
  value: (v) => (v === true ? 1 : 0),
});
