/**
 * Tail probabilities of the Poisson and binomial distributions, through the regularized
 * incomplete gamma and beta functions (Numerical Recipes series / continued fractions), so
 * their cost does not grow with the counts. Non-integer "trial counts" are allowed (the
 * beta function is continuous in them), which the seasonal test uses for median baselines.
 *
 * `poissonLower(8, 20)` -> 0.00216 (P(X <= 8) for X ~ Poisson(20)).
 */

const EPS = 1e-15;
const TINY = 1e-300;
const MAX_ITER = 10_000;
const LANCZOS: ReadonlyArray<number> = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0 (Lanczos, g = 7): `logGamma(5)` -> ln 24. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  const t = z + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x), a > 0, x >= 0: `gammaP(1, 1)` -> 1 - e^-1. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < MAX_ITER; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
  }
  return 1 - gammaQContinuedFraction(a, x);
}

/** Q(a, x) = 1 - P(a, x) by Lentz's continued fraction; accurate for x >= a + 1. */
function gammaQContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.max(0, Math.exp(-x + a * Math.log(x) - logGamma(a)) * h);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  return x < a + 1 ? 1 - gammaP(a, x) : gammaQContinuedFraction(a, x);
}

/** Regularized incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1: `betaI(0.5, 2, 2)` -> 0.5. */
export function betaI(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return Math.min(1, (front * betaContinuedFraction(x, a, b)) / a);
  return Math.max(0, 1 - (front * betaContinuedFraction(1 - x, b, a)) / b);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** P(X <= k) for X ~ Poisson(lambda); k an integer >= 0. `poissonLower(0, 20)` -> e^-20. */
export function poissonLower(k: number, lambda: number): number {
  if (k < 0) return 0;
  if (lambda <= 0) return 1;
  return gammaQ(Math.floor(k) + 1, lambda);
}

/** P(X >= k) for X ~ Poisson(lambda). `poissonUpper(0, 5)` -> 1. */
export function poissonUpper(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  return gammaP(Math.ceil(k), lambda);
}

/**
 * P(X <= k) for X ~ Binomial(n, p), n >= k >= 0 (n may be non-integer: the continuous
 * extension I_{1-p}(n - k, k + 1)). `binomialLower(10, 20, 0.85)` -> 0.000248.
 */
export function binomialLower(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  return betaI(1 - p, n - k, k + 1);
}

/** P(X >= k) for X ~ Binomial(n, p) (continuous in n as above). `binomialUpper(0, 7, 0.3)` -> 1. */
export function binomialUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  return betaI(p, k, n - k + 1);
}
