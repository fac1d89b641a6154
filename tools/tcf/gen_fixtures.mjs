// Generates TC string conformance fixtures with the IAB's reference encoder
// (@iabtechlabtcf/core, pinned in package.json) for
// src/consent/tcf_conformance_test.cc.
//
// Regenerate (from the repository root):
//   cd tools/tcf && npm ci && node gen_fixtures.mjs 1050 ../../src/consent/testdata/tcf_fixtures.ndjson
//
// Each output line is {"tc_string": "...", "expected": {...}}. The expected
// fields come from decoding the string again with the reference library, so
// they are what the IAB implementation reads, after its own semantic
// pre-encoding (which, e.g., clears purpose legitimate interest for 1 and 3-6
// and drops vendors absent from the vendor list). The random generator is
// seeded, so a regeneration with the same N and library version is
// byte-identical.
//
// The encoder needs a Global Vendor List. No network is used: every string
// gets a synthetic in-memory GVL listing exactly the vendor ids that string
// uses, each declaring purposes 1-10 for consent, 2 and 7-10 for legitimate
// interest and 2-10 as flexible, so nothing random is filtered away.
import { writeFileSync } from 'node:fs';
import * as iab from '@iabtechlabtcf/core';

const { TCModel, TCString, GVL, PurposeRestriction, Base64Url } = iab;

const count = Number(process.argv[2] ?? 1200);
const out = process.argv[3] ?? '../../src/consent/testdata/tcf_fixtures.ndjson';

// mulberry32: small, seeded, reproducible.
let seed = 0x5eed7cf;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));  // inclusive
const chance = (p) => rand() < p;
const pick = (arr) => arr[randInt(0, arr.length - 1)];

const LANGUAGES = ['EN', 'FR', 'DE', 'ES', 'IT', 'NL', 'PL', 'PT', 'SV', 'FI', 'DA', 'CS', 'EL', 'HU', 'RO'];
const COUNTRIES = ['AA', 'DE', 'FR', 'GB', 'US', 'ES', 'IT', 'NL', 'ZZ', 'BE', 'AT'];

// A vendor id set in one of several shapes, so the encoder picks bit fields
// (dense, small) and ranges (sparse, large ids, long runs) alike.
function randomVendorSet() {
  const ids = new Set();
  const shape = randInt(0, 4);
  if (shape === 0) return ids;  // empty
  if (shape === 1) {            // dense, small ids: bit field
    const max = randInt(1, 200);
    const p = rand();
    for (let i = 1; i <= max; i++) if (rand() < p) ids.add(i);
  } else if (shape === 2) {     // sparse, large ids: range
    const n = randInt(1, 12);
    for (let i = 0; i < n; i++) ids.add(randInt(1, 3000));
  } else if (shape === 3) {     // a few long runs: range
    const n = randInt(1, 3);
    for (let i = 0; i < n; i++) {
      const start = randInt(1, 2500);
      const len = randInt(1, 60);
      for (let j = start; j < start + len; j++) ids.add(j);
    }
  } else {                      // typical: ~100 vendors among the first 1200
    for (let i = 0; i < 100; i++) ids.add(randInt(1, 1200));
  }
  return ids;
}

function syntheticGvl(vendorIds, vendorListVersion, policyVersion, language) {
  const purposes = {};
  for (let i = 1; i <= 11; i++) purposes[i] = { id: i, name: `p${i}`, description: '', illustrations: [] };
  const specialPurposes = { 1: { id: 1, name: 'sp1', description: '', illustrations: [] } };
  const specialFeatures = {};
  for (let i = 1; i <= 2; i++) specialFeatures[i] = { id: i, name: `sf${i}`, description: '', illustrations: [] };
  const vendors = {};
  for (const id of vendorIds) {
    vendors[id] = {
      id, name: `v${id}`,
      purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      legIntPurposes: [2, 7, 8, 9, 10],
      flexiblePurposes: [2, 3, 4, 5, 6, 7, 8, 9, 10],
      specialPurposes: [1], features: [], specialFeatures: [],
      policyUrl: '', cookieMaxAgeSeconds: 0, usesCookies: false, usesNonCookieAccess: false,
    };
  }
  return new GVL({
    gvlSpecificationVersion: 3, vendorListVersion, tcfPolicyVersion: policyVersion,
    lastUpdated: '2024-01-01T00:00:00Z', purposes, specialPurposes,
    features: {}, specialFeatures, stacks: {}, dataCategories: {}, vendors,
  }, { language });
}

const sorted = (iter) => Array.from(iter).map(Number).sort((a, b) => a - b);
const vectorIds = (v) => { const ids = []; v.forEach((val, id) => { if (val) ids.push(id); }); return ids; };

// Where each vendor section starts in the core segment, to report which
// encoding the encoder chose (the decoded model does not keep it).
const CORE_FIXED_BITS = 213;
function encodingOf(bits, offset) { return bits[offset + 16] === '1' ? 'range' : 'bitfield'; }

const lines = [];
for (let n = 0; n < count; n++) {
  const consents = randomVendorSet();
  const legInts = randomVendorSet();
  const disclosed = randomVendorSet();
  const restrictionVendors = randomVendorSet();
  const all = new Set([...consents, ...legInts, ...disclosed, ...restrictionVendors]);
  all.add(1);  // a GVL needs at least one vendor
  const gvl = syntheticGvl(all, randInt(1, 4095), randInt(2, 5), pick(LANGUAGES));

  const m = new TCModel(gvl);
  m.cmpId = randInt(2, 4095);
  m.cmpVersion = randInt(1, 4095);
  m.consentScreen = randInt(0, 63);
  m.publisherCountryCode = pick(COUNTRIES);
  m.isServiceSpecific = chance(0.5);
  m.useNonStandardTexts = chance(0.5);
  m.purposeOneTreatment = chance(0.3);
  const created = new Date(Date.UTC(2020, 0, 1) + Math.floor(rand() * 6 * 365 * 86400) * 1000 + randInt(0, 9) * 100);
  m.created = created;
  m.lastUpdated = new Date(created.getTime() + randInt(0, 400 * 86400) * 1000 + randInt(0, 9) * 100);
  for (let i = 1; i <= 12; i++) if (chance(0.5)) m.specialFeatureOptins.set(i);
  for (let i = 1; i <= 24; i++) if (chance(0.5)) m.purposeConsents.set(i);
  for (let i = 1; i <= 24; i++) if (chance(0.5)) m.purposeLegitimateInterests.set(i);
  for (const id of consents) m.vendorConsents.set(id);
  for (const id of legInts) m.vendorLegitimateInterests.set(id);
  for (const id of disclosed) m.vendorsDisclosed.set(id);
  if (restrictionVendors.size && chance(0.7)) {
    const numPurposes = randInt(1, 3);
    for (let k = 0; k < numPurposes; k++) {
      const pr = new PurposeRestriction(randInt(2, 10), randInt(0, 2));
      for (const id of restrictionVendors) if (chance(0.8)) m.publisherRestrictions.add(id, pr);
    }
  }
  for (let i = 1; i <= 24; i++) if (chance(0.4)) m.publisherConsents.set(i);
  for (let i = 1; i <= 24; i++) if (chance(0.4)) m.publisherLegitimateInterests.set(i);
  const numCustom = chance(0.5) ? randInt(1, 20) : 0;
  for (let i = 1; i <= numCustom; i++) {
    if (chance(0.5)) m.publisherCustomConsents.set(i);
    if (chance(0.5)) m.publisherCustomLegitimateInterests.set(i);
  }
  if (numCustom) m.numCustomPurposes = numCustom;

  const isForVendors = chance(0.5);
  const tc = TCString.encode(m, { isForVendors });

  // Expected values: what the reference decoder reads back.
  const d = TCString.decode(tc);
  const coreBits = Base64Url.decode(tc.split('.')[0]);
  const liOffset = CORE_FIXED_BITS + d.vendorConsents.bitLength;
  const segments = tc.split('.').map((s) => parseInt(Base64Url.decode(s).slice(0, 3), 2));
  const restrictions = [];
  for (const pr of d.publisherRestrictions.getRestrictions()) {
    restrictions.push({
      purpose_id: pr.purposeId, restriction_type: pr.restrictionType,
      vendor_ids: sorted(d.publisherRestrictions.getVendors(pr)),
    });
  }
  const expected = {
    version: d.version,
    created_deciseconds: Math.round(d.created.getTime() / 100),
    last_updated_deciseconds: Math.round(d.lastUpdated.getTime() / 100),
    cmp_id: d.cmpId,
    cmp_version: d.cmpVersion,
    consent_screen: d.consentScreen,
    consent_language: d.consentLanguage,
    vendor_list_version: d.vendorListVersion,
    tcf_policy_version: d.policyVersion,
    is_service_specific: d.isServiceSpecific,
    use_non_standard_texts: d.useNonStandardTexts,
    special_feature_optins: vectorIds(d.specialFeatureOptins),
    purpose_consents: vectorIds(d.purposeConsents),
    purpose_legitimate_interests: vectorIds(d.purposeLegitimateInterests),
    purpose_one_treatment: d.purposeOneTreatment,
    publisher_cc: d.publisherCountryCode,
    vendor_consents: vectorIds(d.vendorConsents),
    vendor_consents_max_id: parseInt(coreBits.slice(CORE_FIXED_BITS, CORE_FIXED_BITS + 16), 2),
    vendor_consents_encoding: encodingOf(coreBits, CORE_FIXED_BITS),
    vendor_legitimate_interests: vectorIds(d.vendorLegitimateInterests),
    vendor_legitimate_interests_max_id: parseInt(coreBits.slice(liOffset, liOffset + 16), 2),
    vendor_legitimate_interests_encoding: encodingOf(coreBits, liOffset),
    publisher_restrictions: restrictions,
    segments,
  };
  if (segments.includes(1)) expected.disclosed_vendors = vectorIds(d.vendorsDisclosed);
  if (segments.includes(2)) expected.allowed_vendors = vectorIds(d.vendorsAllowed);
  if (segments.includes(3)) {
    expected.publisher_purposes_consents = vectorIds(d.publisherConsents);
    expected.publisher_purposes_legitimate_interests = vectorIds(d.publisherLegitimateInterests);
    expected.num_custom_purposes = d.numCustomPurposes;
    expected.publisher_custom_purposes_consents = vectorIds(d.publisherCustomConsents);
    expected.publisher_custom_purposes_legitimate_interests = vectorIds(d.publisherCustomLegitimateInterests);
  }
  lines.push(JSON.stringify({ tc_string: tc, expected }));
}
writeFileSync(out, lines.join('\n') + '\n');
console.error(`wrote ${lines.length} fixtures to ${out}`);
