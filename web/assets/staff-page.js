// What both staff pages (the merchandiser's console, the store counter) do
// around their session: the message states, opening the session from the
// link with the refusals said in words, and the words when it ends.
import { h, byId, showOnly, fillMessage } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { openFromFragment, end, StaffLinkError } from '/assets/staff.js';

// A failed request in words, the server's own message where it has one.
export function failureWords(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong on this page. Reload it and try again.';
  const said = error.message && error.code ? ` The server said: “${error.message}”.` : '';
  switch (error.status) {
    case 0: return 'The server could not be reached. Check the connection and try again.';
    case 400: return `The server refused the request.${said}`;
    case 401: return 'The session is no longer accepted.';
    case 403: return `This session may not do this.${said}`;
    case 404: return `Not found.${said}`;
    case 409: return `Something else is under way.${said}`;
    case 429: return error.code === 'budget_exhausted'
      ? `The privacy budget cannot pay for this.${said}`
      : `Too many requests: try again in ${error.retryAfter || 'a few'} seconds.${said}`;
    case 503: return `The server is busy: try again in ${error.retryAfter || 'a few'} seconds.${said}`;
    default: return `The server answered ${error.status}.${said}`;
  }
}

// A page's frame: `name` for the tab's title, `role` its staff role,
// `noLinkTitle` what a visit without a link is told, `comeBack` how to get
// a new link, and `clearAll()` what empties everything the session showed.
export class StaffPage {
  constructor({ name, role, noLinkTitle, comeBack, clearAll }) {
    Object.assign(this, { name, role, noLinkTitle, comeBack, clearAll });
  }

  states() {
    return [byId('state-loading'), byId('state-message'), byId('state-content')];
  }

  setTitle(part) {
    document.title = part ? `${part} · ${this.name}` : this.name;
  }

  showMessage(title, paragraphs, id = '') {
    fillMessage(title, paragraphs);
    byId('state-message').dataset.state = id;
    showOnly(byId('state-message'), this.states());
    this.setTitle(title);
    byId('message-title').focus();
  }

  // Opens the session from the address's link: its claims, or null after
  // saying in words why it did not open.
  async open() {
    this.clearAll();
    showOnly(byId('state-loading'), this.states());
    this.setTitle('Opening');
    try {
      return await openFromFragment(this.role);
    } catch (error) {
      if (error instanceof StaffLinkError) {
        const titles = {
          no_link: this.noLinkTitle,
          bad_link: 'This link does not work',
          wrong_role: 'This link is for another page',
          expired: 'This link has expired',
        };
        this.showMessage(titles[error.reason] || 'This link does not work', [error.message, this.comeBack], error.reason);
      } else if (error instanceof ApiError && error.status === 401) {
        this.showMessage('This link cannot open a session', [
          h('p', { class: 'notice error', id: 'link-refused' }, `The server said: “${error.message}”.`),
          'A link opens one session only, and only for a short time: it may have been used already (in this browser or another), have expired, or have been replaced.',
          this.comeBack,
        ], 'refused-link');
      } else {
        this.showMessage(`The ${this.name.toLowerCase()} could not open`, [failureWords(error), this.comeBack], 'failed');
      }
      return null;
    }
  }

  // The session ended by itself ('expired') or was refused by the server;
  // `left` says what else is gone.
  ended(reason, left = '') {
    this.clearAll();
    if (reason === 'expired') {
      this.showMessage('Your session has ended', [
        `Staff sessions last a short time, and this one has run out. Nothing it showed is left on this page${left}.`,
        this.comeBack,
      ], 'expired');
    } else {
      this.showMessage('The session is no longer accepted', [
        'The server refused this session: its key was rotated or removed, or it was ended elsewhere. Nothing it showed is left on this page.',
        this.comeBack,
      ], 'refused');
    }
  }

  // "End session".
  endByUser() {
    end();
    this.clearAll();
    this.showMessage('Session ended', [
      'The session is forgotten in this tab and nothing it showed is left on this page.',
      'Your browser\'s history may still list the link you opened; it opens nothing: a link works once.',
      this.comeBack,
    ], 'ended');
  }
}
