import { blockHtml, elementHtml, messageHtml, viewHtml } from '../../../src/preview/block-kit-html.js';
import type { NameSource } from '../../../src/preview/mrkdwn-html.js';

const names: NameSource = { userName: (id) => (id === 'U0DANA' ? 'dana' : null) };
const pt = (text: string) => ({ type: 'plain_text', text, emoji: true });
const md = (text: string) => ({ type: 'mrkdwn', text });

/** Each case: a block, and fragments its HTML must contain, in order. */
describe('Block Kit → HTML: blocks', () => {
  it.each<[string, unknown, string[]]>([
    ['header (plain_text: no mrkdwn)', { type: 'header', text: pt('🎉 *$1,250.00* from Harbor') }, ['<div class="bk-header"><span class="pt">🎉 *$1,250.00* from Harbor</span></div>']],
    ['section text', { type: 'section', text: md('*Acme* paid') }, ['<div class="bk-section"><div class="bk-section-main"><div class="bk-section-text"><div class="mk"><div class="mk-line"><b>Acme</b> paid</div></div></div></div></div>']],
    [
      'section fields in two columns',
      { type: 'section', fields: [md('*Owner*\n<@U0DANA>'), pt('Gold')] },
      ['<div class="bk-fields"><div class="bk-field"><div class="mk"><div class="mk-line"><b>Owner</b></div><div class="mk-line"><span class="mk-mention" title="U0DANA">@dana</span>', '<div class="bk-field"><span class="pt">Gold</span></div></div>'],
    ],
    [
      'section with a button accessory',
      { type: 'section', text: md('x'), accessory: { type: 'button', action_id: 'touchpoint.open', text: pt('Log a touchpoint'), value: '3' } },
      ['<div class="bk-accessory"><span class="bk-button" data-action-id="touchpoint.open"><span class="pt">Log a touchpoint</span></span></div>'],
    ],
    [
      'section with an image accessory',
      { type: 'section', text: md('x'), accessory: { type: 'image', image_url: 'https://example.com/logo.png', alt_text: 'Acme "logo"' } },
      ['<img class="bk-accessory-image" src="https://example.com/logo.png" alt="Acme &quot;logo&quot;" referrerpolicy="no-referrer" loading="lazy">'],
    ],
    [
      'section with an overflow accessory',
      { type: 'section', text: md('x'), accessory: { type: 'overflow', action_id: 'more', options: [{ text: pt('Snooze'), value: 's' }, { text: pt('Hand over'), value: 'h' }] } },
      ['<span class="bk-overflow" data-action-id="more" title="Snooze · Hand over">⋮</span>'],
    ],
    [
      'context with text and an image',
      { type: 'context', elements: [{ type: 'image', image_url: 'https://example.com/a.png', alt_text: 'a' }, md('📝 Check #4411'), pt('plain')] },
      ['<div class="bk-context"><img class="bk-context-image" src="https://example.com/a.png"', '<span class="bk-context-text"><div class="mk"><div class="mk-line">📝 Check #4411</div></div></span>', '<span class="pt">plain</span>'],
    ],
    ['divider', { type: 'divider' }, ['<hr class="bk-divider">']],
    [
      'actions: buttons in their styles',
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'nudge.log', text: pt('Log a touchpoint'), style: 'primary' },
          { type: 'button', action_id: 'x.delete', text: pt('Delete'), style: 'danger' },
          { type: 'button', action_id: 'x.plain', text: pt('Later') },
        ],
      },
      ['<span class="bk-button bk-button-primary" data-action-id="nudge.log">', '<span class="bk-button bk-button-danger" data-action-id="x.delete">', '<span class="bk-button" data-action-id="x.plain">'],
    ],
    [
      'actions: static and user selects, overflow',
      {
        type: 'actions',
        elements: [
          { type: 'static_select', action_id: 'nudge.snooze', placeholder: pt('Snooze…'), options: [{ text: pt('7 days'), value: '7' }] },
          { type: 'static_select', action_id: 'kind', initial_option: { text: pt('Call'), value: 'call' }, options: [] },
          { type: 'users_select', action_id: 'nudge.reassign', placeholder: pt('Hand over to…') },
          { type: 'users_select', action_id: 'who', initial_user: 'U0DANA' },
          { type: 'overflow', action_id: 'o', options: [] },
        ],
      },
      [
        '<span class="bk-select" data-action-id="nudge.snooze"><span class="bk-select-value"><span class="bk-placeholder"><span class="pt">Snooze…</span></span></span><span class="bk-chevron">⌄</span></span>',
        '<span class="bk-select-value"><span class="pt">Call</span></span>',
        '<span class="bk-placeholder"><span class="pt">Hand over to…</span></span>',
        '<span class="bk-select-value">@dana</span>',
        '<span class="bk-overflow" data-action-id="o" title="">⋮</span>',
      ],
    ],
    [
      'image block with a title',
      { type: 'image', image_url: 'https://example.com/chart.png', alt_text: 'chart', title: pt('Spend') },
      ['<figure class="bk-image"><div class="bk-image-title"><span class="pt">Spend</span></div><img class="bk-image-img" src="https://example.com/chart.png" alt="chart"'],
    ],
    ['an image that is not http(s) is not loaded', { type: 'image', image_url: 'javascript:alert(1)', alt_text: 'x' }, ['<span class="bk-image-img bk-image-missing" title="x">🖼</span>']],
    [
      'input with a text input, optional, hint',
      { type: 'input', optional: true, label: pt('Note'), hint: pt('Shown on the account card'), element: { type: 'plain_text_input', action_id: 'note', multiline: true, placeholder: pt('What happened?') } },
      ['<div class="bk-input-label"><span class="pt">Note</span> <span class="bk-optional">(optional)</span></div>', '<span class="bk-textinput bk-textinput-multi" data-action-id="note"><span class="bk-placeholder">', '<div class="bk-hint"><span class="pt">Shown on the account card</span></div>'],
    ],
    ['input with a date picker', { type: 'input', label: pt('When'), element: { type: 'datepicker', action_id: 'date', initial_date: '2026-12-05' } }, ['<span class="bk-select bk-date" data-action-id="date"><span class="bk-select-value">2026-12-05</span>']],
    ['an unknown block is named, escaped', { type: '<b>video</b>' }, ['<div class="bk-unknown">&lt;b&gt;video&lt;/b&gt; block (not drawn by the preview)</div>']],
    ['not an object', 'nonsense', ['<div class="bk-unknown">? block']],
  ])('%s', (_, block, fragments) => {
    const html = blockHtml(block, names);
    let from = 0;
    for (const fragment of fragments) {
      const at = html.indexOf(fragment, from);
      if (at < 0) throw new Error(`missing ${fragment}\nin ${html}`);
      from = at + fragment.length;
    }
  });
});

describe('Block Kit → HTML: elements', () => {
  it.each<[string, unknown, string]>([
    ['checkboxes', { type: 'checkboxes', action_id: 'c', options: [{ text: md('*a*'), value: 'a' }] }, '<span class="bk-choices" data-action-id="c"><span class="bk-choice"><span class="bk-choice-mark">☐</span><div class="mk"><div class="mk-line"><b>a</b></div></div></span></span>'],
    ['radio buttons', { type: 'radio_buttons', action_id: 'r', options: [{ text: pt('b'), value: 'b' }] }, '<span class="bk-choices" data-action-id="r"><span class="bk-choice"><span class="bk-choice-mark">○</span><span class="pt">b</span></span></span>'],
    ['external select without placeholder', { type: 'external_select', action_id: 'account' }, '<span class="bk-select" data-action-id="account"><span class="bk-select-value"><span class="bk-placeholder">Select an item</span></span><span class="bk-chevron">⌄</span></span>'],
    ['text input with a value', { type: 'plain_text_input', action_id: 'n', initial_value: '<b>hi</b>' }, '<span class="bk-textinput" data-action-id="n">&lt;b&gt;hi&lt;/b&gt;</span>'],
    ['unknown element', { type: 'rich_text_input' }, '<span class="bk-unknown">rich_text_input</span>'],
  ])('%s', (_, element, html) => {
    expect(elementHtml(element, names)).toBe(html);
  });
});

describe('Block Kit → HTML: messages and views', () => {
  it('a message without blocks shows its text as mrkdwn', () => {
    expect(messageHtml({ text: '*hi* <!here>' })).toBe('<div class="bk-section"><div class="bk-section-main"><div class="mk"><div class="mk-line"><b>hi</b> <span class="mk-broadcast">@here</span></div></div></div></div>');
  });

  it('a message with blocks shows the blocks, not the text', () => {
    const html = messageHtml({ text: 'fallback only', blocks: [{ type: 'divider' }] });
    expect(html).toBe('<hr class="bk-divider">');
  });

  it('a modal has its title, blocks, Cancel and submit', () => {
    const html = viewHtml({ type: 'modal', title: pt('Log a touchpoint'), submit: pt('Log it'), blocks: [{ type: 'divider' }] });
    expect(html).toBe(
      '<div class="bk-modal"><div class="bk-modal-title"><span><span class="pt">Log a touchpoint</span></span><span class="bk-modal-x">✕</span></div>' +
        '<div class="bk-modal-body"><hr class="bk-divider"></div>' +
        '<div class="bk-modal-foot"><span class="bk-button"><span class="pt">Cancel</span></span><span class="bk-button bk-button-primary"><span class="pt">Log it</span></span></div></div>',
    );
  });

  it('a Home tab is its blocks', () => {
    expect(viewHtml({ type: 'home', blocks: [{ type: 'header', text: pt('🏠 Your accounts') }] })).toBe('<div class="bk-home"><div class="bk-header"><span class="pt">🏠 Your accounts</span></div></div>');
  });
});
