/** Error class of the risk layer. */

/** Error codes of the risk layer. */
export type RiskErrorCode =
  "INVALID_ARGUMENT" | "INSUFFICIENT_DATA" | "DIMENSION_MISMATCH" | "ZERO_VARIANCE";

/** Typed error of the risk layer. */
export class RiskError extends Error {
  readonly code: RiskErrorCode;
  constructor(code: RiskErrorCode, message: string) {
    super(message);
    this.name = "RiskError";
    this.code = code;
  }
}

/**
 * Validate a T×N returns matrix (rows = time) with at least `minRows` rows, equal row widths and
 * finite entries; returns [T, N].
 */
export function checkReturns(
  R: readonly number[][],
  minRows: number,
  fn: string,
): [number, number] {
  const T = R.length;
  if (T < minRows)
    throw new RiskError("INSUFFICIENT_DATA", `${fn}: need ≥ ${minRows} rows, got ${T}`);
  const N = T === 0 ? 0 : R[0].length;
  if (N === 0 && T > 0) throw new RiskError("INVALID_ARGUMENT", `${fn}: zero columns`);
  for (let t = 0; t < T; t++) {
    const row = R[t];
    if (row.length !== N) {
      throw new RiskError("DIMENSION_MISMATCH", `${fn}: row ${t} has ${row.length} != ${N}`);
    }
    for (let j = 0; j < N; j++) {
      if (!Number.isFinite(row[j]))
        throw new RiskError("INVALID_ARGUMENT", `${fn}: non-finite at [${t}][${j}]`);
    }
  }
  return [T, N];
}
