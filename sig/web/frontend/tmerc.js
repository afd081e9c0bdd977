// Transverse Mercator on GRS80 (Krüger series to n^4, sub-millimetre within the country),
// for PT-TM06/ETRS89 (EPSG:3763). ETRS89 and WGS 84 are taken as equal (within a metre).

const A = 6378137;
const F = 1 / 298.257222101;
const N = F / (2 - F);
const E = Math.sqrt(F * (2 - F));
const RADIUS = (A / (1 + N)) * (1 + (N * N) / 4 + (N ** 4) / 64);
const ALPHA = [
  N / 2 - (2 * N ** 2) / 3 + (5 * N ** 3) / 16 + (41 * N ** 4) / 180,
  (13 * N ** 2) / 48 - (3 * N ** 3) / 5 + (557 * N ** 4) / 1440,
  (61 * N ** 3) / 240 - (103 * N ** 4) / 140,
  (49561 * N ** 4) / 161280,
];
const BETA = [
  N / 2 - (2 * N ** 2) / 3 + (37 * N ** 3) / 96 - (N ** 4) / 360,
  (N ** 2) / 48 + (N ** 3) / 15 - (437 * N ** 4) / 1440,
  (17 * N ** 3) / 480 - (37 * N ** 4) / 840,
  (4397 * N ** 4) / 161280,
];
const DELTA = [
  2 * N - (2 * N ** 2) / 3 - 2 * N ** 3 + (116 * N ** 4) / 45,
  (7 * N ** 2) / 3 - (8 * N ** 3) / 5 - (227 * N ** 4) / 45,
  (56 * N ** 3) / 15 - (136 * N ** 4) / 35,
  (4279 * N ** 4) / 630,
];
const RAD = Math.PI / 180;

function gaussXi(lat, dlon) {
  const s = Math.sin(lat);
  const t = Math.sinh(Math.atanh(s) - E * Math.atanh(E * s));
  const xi = Math.atan2(t, Math.cos(dlon));
  const eta = Math.atanh(Math.sin(dlon) / Math.sqrt(1 + t * t));
  let x = xi;
  let y = eta;
  ALPHA.forEach((a, i) => {
    const j = 2 * (i + 1);
    x += a * Math.sin(j * xi) * Math.cosh(j * eta);
    y += a * Math.cos(j * xi) * Math.sinh(j * eta);
  });
  return [x, y];
}

// A projection with origin (lon0, lat0) in degrees, scale k0, false easting/northing.
export function transverseMercator(lon0, lat0, k0 = 1, x0 = 0, y0 = 0) {
  const xi0 = gaussXi(lat0 * RAD, 0)[0];
  const forward = ([lon, lat]) => {
    const [xi, eta] = gaussXi(lat * RAD, (lon - lon0) * RAD);
    return [x0 + k0 * RADIUS * eta, y0 + k0 * RADIUS * (xi - xi0)];
  };
  const inverse = ([x, y]) => {
    const xi = (y - y0) / (k0 * RADIUS) + xi0;
    const eta = (x - x0) / (k0 * RADIUS);
    let xp = xi;
    let yp = eta;
    BETA.forEach((b, i) => {
      const j = 2 * (i + 1);
      xp -= b * Math.sin(j * xi) * Math.cosh(j * eta);
      yp -= b * Math.cos(j * xi) * Math.sinh(j * eta);
    });
    const chi = Math.asin(Math.sin(xp) / Math.cosh(yp));
    let lat = chi;
    DELTA.forEach((d, i) => { lat += d * Math.sin(2 * (i + 1) * chi); });
    return [lon0 + Math.atan2(Math.sinh(yp), Math.cos(xp)) / RAD, lat / RAD];
  };
  return {forward, inverse};
}
