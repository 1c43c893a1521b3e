import { dot, l1, l2Squared, type Distance, type Kernel } from '../../distance/distance.js';

/**
 * Qdrant's raw `Metric::similarity`: the "higher is closer" number its custom scorers (recommend best_score and
 * sum_scores, discover, context) and MMR combine, before any post-processing. Cosine and Dot: the dot product
 * (Cosine vectors are stored normalised); Euclid: minus the SQUARED L2 distance; Manhattan: minus the L1 distance.
 *
 * Trap: for Euclid this is not minus the reported distance, so a best_score or sum_scores result over an Euclid
 * collection is a function of squared distances, exactly as in Qdrant.
 */
export function rawSimilarity(distance: Distance): Kernel {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return dot;
    case 'Euclid':
      return negL2Squared;
    case 'Manhattan':
      return negL1;
  }
}

/** Qdrant's `Metric::postprocess`: a raw similarity of a plain nearest search turned into the reported score. */
export function postprocessSimilarity(distance: Distance, raw: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return raw;
    case 'Euclid':
      return Math.sqrt(Math.abs(raw));
    case 'Manhattan':
      return Math.abs(raw);
  }
}

function negL2Squared(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return -l2Squared(a, aOff, b, bOff, dim);
}

function negL1(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return -l1(a, aOff, b, bOff, dim);
}
