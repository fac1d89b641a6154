// The privacy center's words: the purposes, kinds of data, channels, id
// kinds and sources of decisions as a shopper reads them, the reason for a
// recommendation, and dates.

export const PURPOSES = [
  {
    key: 'personalization',
    name: 'Personal recommendations',
    what: 'Lets us use what you look at and buy to choose the products we suggest to you.',
  },
  {
    key: 'marketing',
    name: 'Marketing messages',
    what: 'Lets us use your data to send you offers, such as a reminder about items left in your cart.',
  },
  {
    key: 'analytics',
    name: 'Shop statistics',
    what: 'Lets your purchases count, mixed anonymously with everyone\'s, in statistics that help the shop plan.',
  },
  {
    key: 'model_improvement',
    name: 'Better suggestions for everyone',
    what: 'Lets your history help train the system that makes suggestions for all shoppers.',
  },
];

export const CATEGORIES = [
  { key: 'browsing', name: 'Browsing', what: 'The products you look at, search for, and put in or take out of your cart.' },
  { key: 'purchases', name: 'Purchases', what: 'What you buy, return or pick up, online and in stores.' },
  { key: 'location', name: 'Store visits', what: 'When you visit one of the shop\'s stores.' },
  { key: 'social', name: 'Social media', what: 'Activity that reaches the shop from social networks.' },
  { key: 'contact', name: 'Contact details', what: 'How to reach you, such as your email address or phone number.' },
  { key: 'financial', name: 'Payment details', what: 'Payment and other financial information.' },
];

export const CHANNELS = { web: 'Website', app: 'App', store: 'In a store', call_center: 'By phone (customer service)' };

export const ID_KINDS = {
  customer: 'Customer account',
  anonymous: 'Browser or app on a device',
  loyalty: 'Loyalty card',
};

export const SOURCES = {
  api: 'through the shop\'s website or app',
  tcf: 'in the shop\'s cookie banner',
  store_kiosk: 'at a store kiosk',
  import: 'in the shop\'s records',
  privacy_center: 'here, in your privacy center',
  gpc: 'through your browser\'s Global Privacy Control signal',
  link: 'when this device was joined to your account',
  link_confirmed: 'when you signed in and confirmed this device\'s choices',
  kept_through_erasure: 'before an earlier deletion of your data (a "no" is kept after a deletion)',
};

export function sourceWords(source) {
  return SOURCES[source] || 'by the shop';
}

export function purposeName(key) {
  return (PURPOSES.find((p) => p.key === key) || { name: key }).name;
}

export function categoryName(key) {
  return (CATEGORIES.find((c) => c.key === key) || { name: key }).name;
}

export function reasonWords(reason) {
  const [kind, related] = String(reason || '').split(/:(.*)/s);
  switch (kind) {
    case 'bought_before': return 'You bought it before.';
    case 'viewed_before': return 'You looked at it before.';
    case 'similar_to': return `It is like product ${related}, which you looked at or bought.`;
    case 'bought_with': return `People often buy it with product ${related}, which you bought.`;
    case 'popular_in_store': return 'It sells well in your store. This uses none of your data.';
    case 'trending': return 'It is popular in your region right now. This uses none of your data.';
    default: return 'Chosen by the shop\'s suggestion system.';
  }
}

// A date (with its time when asked) in the browser's language.
export function formatDate(iso, withTime = false) {
  if (!iso) return 'unknown';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return 'unknown';
  return new Intl.DateTimeFormat(undefined, withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' })
    .format(date);
}
