import type { PointId } from '@sextant/proto';

/** A proto PointId as the REST id, for comparing results across the two APIs. */
export function idOf(id: PointId | undefined): string | number {
  const o = id?.pointIdOptions;
  if (o?.case === 'num') return Number(o.value);
  if (o?.case === 'uuid') return o.value;
  throw new Error('empty point id');
}

export const num = (n: number) => ({ pointIdOptions: { case: 'num' as const, value: BigInt(n) } });
export const uuid = (u: string) => ({ pointIdOptions: { case: 'uuid' as const, value: u } });
export const dense = (data: number[]) => ({ variant: { case: 'dense' as const, value: { data } } });
export const yes = { selectorOptions: { case: 'enable' as const, value: true } };
export const no = { selectorOptions: { case: 'enable' as const, value: false } };
