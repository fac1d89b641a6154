// The data the pages show: a catalog and twelve shoppers, seeded through
// the API, and a model that personalizes.
import { REGION, assert, waitFor } from './harness.mjs';

// A catalog and twelve shoppers who buy in weekly baskets: a-0..a-3 every
// week, b-0 with b-1 every other week, and a d- product of their own, which
// best sellers cannot know: the trained models beat popularity on held-out
// baskets and so personalize. fan-0 also browses on the app and visits a
// store, so that the page shows several kinds of data and channels.
export async function seed(server) {
  const products = [];
  const inventory = [];
  for (const [category, n] of [['a', 6], ['b', 6], ['c', 6], ['d', 12]]) {
    for (let i = 0; i < n; ++i) {
      const id = `${category}-${i}`;
      products.push({ id, title: `Product ${id}`, category, price: 2 });
      inventory.push({ location: 'online', product_id: id, quantity: 9 });
    }
  }
  for (const [route, body] of [['products', products], ['stores', [{ id: 's1', name: 'One', latitude: 48.8, longitude: 2.3 }]],
    ['inventory', inventory]]) {
    const r = await server.api('PUT', `/v1/${REGION}/${route}`, body);
    assert(r.status === 200, `PUT ${route}: ${r.status} ${r.body}`);
  }
  const events = [];
  const day = (d) => new Date(Date.UTC(2026, 0, 5 + d, 10)).toISOString().replace('.000Z', 'Z');
  for (let s = 0; s < 12; ++s) {
    const shopper = `fan-${s}`;
    for (let week = 0; week < 6; ++week) {
      const order = `${shopper}-${week}`;
      const buy = (product) => events.push({
        event_id: `e${events.length}`, type: 'purchase', timestamp: day(week * 7), customer_id: shopper,
        channel: 'web', product_id: product, quantity: 1, order_id: order,
      });
      for (const p of ['a-0', 'a-1', 'a-2', 'a-3']) buy(p);
      buy(`d-${s}`);
      if (week % 2 === 0) ['b-0', 'b-1'].forEach(buy);
      buy(`c-${(s + week) % 4}`);
    }
  }
  for (let i = 0; i < 3; ++i) {
    events.push({ event_id: `v${i}`, type: 'view', timestamp: day(40 + i), customer_id: 'fan-0', channel: 'app', product_id: `c-${i}` });
  }
  events.push({ event_id: 'sv0', type: 'store_visit', timestamp: day(44), customer_id: 'fan-0', channel: 'store', store_id: 's1' });
  const ingest = await server.api('POST', `/v1/${REGION}/events`, events);
  assert(ingest.status === 200 && ingest.json && ingest.json.accepted === events.length,
    `POST events: ${ingest.status} ${ingest.body.slice(0, 200)}`);
  // A shopper with a decision and no events: the page's empty state.
  const quiet = await server.api('PUT', `/v1/${REGION}/customers/quiet-1/consent?id_kind=customer`, { purposes: { analytics: false } });
  assert(quiet.status === 200, `PUT consent of quiet-1: ${quiet.status} ${quiet.body}`);

  // The region's first orders start a training by themselves; one started
  // before the last events arrived may not personalize: then train again.
  const idle = () => waitFor('the training', async () => {
    const r = await server.api('GET', `/v1/${REGION}/models`);
    return r.status === 200 && !r.body.includes('"state":"running"') && r.json;
  }, 60_000);
  let models = await idle();
  if (!JSON.stringify(models).includes('"personalizes":true')) {
    const started = await server.api('POST', `/v1/${REGION}/models/train`);
    assert(started.status === 202 || started.status === 409, `POST models/train: ${started.status} ${started.body}`);
    models = await idle();
  }
  assert(JSON.stringify(models).includes('"personalizes":true'), `the trained models do not personalize: ${JSON.stringify(models).slice(0, 300)}`);
  return { events: events.filter((e) => e.customer_id === 'fan-0').length };
}
