import type { KnownBlock } from '@slack/types';
import { BLOCKS_TEXT_BUDGET, HEADER_MAX, MAX_MESSAGE_BLOCKS, SECTION_TEXT_MAX, codePointLength } from '../../../src/slack/mrkdwn.js';
import { buildEscalationSummary, type EscalatedItem } from '../../../src/slack/views/nudge-escalation.js';
import { SUMMARY_ITEMS_SHOWN } from '../../../src/slack/views/nudge-summary.js';

const DANA = { ownerId: 1, owner: { slackUserId: 'U0DANA', displayName: 'Dana' } };
const PAT = { ownerId: 2, owner: { slackUserId: null, displayName: null, email: 'pat@example.com' } };
const NOBODY = { ownerId: null, owner: null };

function item(id: number, who: Pick<EscalatedItem, 'ownerId' | 'owner'>, overrides: Partial<EscalatedItem> = {}): EscalatedItem {
  return { nudgeId: 100 + id, accountId: id, accountName: `Account ${id}`, reason: 'quiet', daysSilent: 40 + id, ...who, ...overrides };
}

type Section = { type: 'section'; text: { text: string } };
const sectionTexts = (blocks: KnownBlock[]) => blocks.filter((b): b is KnownBlock & Section => b.type === 'section').map((b) => b.text.text);
/** The per-owner sections: everything after the header and the intro. */
const ownerSections = (blocks: KnownBlock[]) => sectionTexts(blocks).slice(1);
const contextTexts = (blocks: KnownBlock[]) =>
  blocks.flatMap((b) => (b.type === 'context' ? (b.elements as Array<{ text: string }>).map((e) => e.text) : []));

const headerText = (blocks: KnownBlock[]) => (blocks[0] as { text: { text: string } }).text.text;
/** All the text Slack counts toward its total (the message has no other text fields), in UTF-16 units. */
const totalText = (blocks: KnownBlock[]) => [headerText(blocks), ...sectionTexts(blocks), ...contextTexts(blocks)].join('').length;

describe('buildEscalationSummary', () => {
  it('heads the list with the count and the days, and groups the lines by owner in the order of their longest wait', () => {
    const items = [item(1, DANA), item(2, NOBODY), item(3, PAT, { reason: 'urgent', daysSilent: 9 }), item(4, DANA), item(5, NOBODY)];
    const message = buildEscalationSummary({ items, total: items.length, afterDays: 5 });

    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '⏰ 5 more nudges have gone unanswered for 5+ days', emoji: true } });
    expect(ownerSections(message.blocks)).toEqual([
      '👤 Owner: <@U0DANA>\n• *Account 1*: 41 days silent, gone quiet\n• *Account 4*: 44 days silent, gone quiet',
      '👤 Unowned: no owner on Slack yet\n• *Account 2*: 42 days silent, gone quiet\n• *Account 5*: 45 days silent, gone quiet',
      '👤 Owner: pat@example.com (not on Slack)\n• *Account 3*: 9 days silent, waiting for an answer',
    ]);
    expect(contextTexts(message.blocks)).toEqual([]);
    // The notification names them as the message lists them.
    expect(message.text).toBe('⏰ 5 more nudges have gone unanswered for 5+ days: Account 1, Account 4, Account 2, Account 5, Account 3');
  });

  it('says "has" for one, and puts an owner known by name only, or not at all, where a reader can tell', () => {
    const named = { ownerId: 7, owner: { slackUserId: 'not-an-id', displayName: 'Robin Roe' } };
    const blank = { ownerId: 8, owner: { slackUserId: null, displayName: '  ', email: null } };
    const one = buildEscalationSummary({ items: [item(1, named)], total: 1, afterDays: 7 });
    expect(one.blocks[0]).toMatchObject({ text: { text: '⏰ 1 more nudge has gone unanswered for 7+ days' } });
    expect(ownerSections(one.blocks)).toEqual(['👤 Owner: Robin Roe (not on Slack)\n• *Account 1*: 41 days silent, gone quiet']);

    // An owner row with nothing to show joins the unowned rather than standing under an empty name.
    const mixed = buildEscalationSummary({ items: [item(1, blank), item(2, NOBODY)], total: 2, afterDays: 5 });
    expect(ownerSections(mixed.blocks)).toEqual(['👤 Unowned: no owner on Slack yet\n• *Account 1*: 41 days silent, gone quiet\n• *Account 2*: 42 days silent, gone quiet']);
  });

  it('escapes names so `<!channel>` cannot ping, keeps *bold* literal and a name on its own line', () => {
    const items = [
      item(1, DANA, { accountName: '<!channel> & <https://evil.example|Invoice>' }),
      item(2, DANA, { accountName: '*bold* Co\n• *Forged*: 0 days' }),
      item(3, { ownerId: 3, owner: { slackUserId: null, displayName: '<!here> Mallory' } }),
    ];
    const message = buildEscalationSummary({ items, total: 3, afterDays: 5 });
    const all = message.text + JSON.stringify(message.blocks);
    expect(all).not.toMatch(/<!channel>|<!here>|<https:/);
    const [dana, mallory] = ownerSections(message.blocks);
    expect(dana!.split('\n')).toEqual([
      '👤 Owner: <@U0DANA>',
      '• *&lt;!channel&gt; &amp; &lt;https://evil.example|Invoice&gt;*: 41 days silent, gone quiet',
      '• **bold* Co • *Forged*: 0 days*: 42 days silent, gone quiet',
    ]);
    expect(mallory).toBe('👤 Owner: &lt;!here&gt; Mallory (not on Slack)\n• *Account 3*: 43 days silent, gone quiet');
  });

  it('lists at most SUMMARY_ITEMS_SHOWN lines and counts the rest, including those the caller did not pass', () => {
    const items = Array.from({ length: 120 }, (_, i) => item(i, i % 3 === 0 ? DANA : i % 3 === 1 ? PAT : NOBODY));
    const message = buildEscalationSummary({ items, total: 700, afterDays: 5 });
    const lines = ownerSections(message.blocks).flatMap((s) => s.split('\n').filter((l) => l.startsWith('• ')));
    expect(lines).toHaveLength(SUMMARY_ITEMS_SHOWN);
    // The longest-waiting are the ones listed: the first SUMMARY_ITEMS_SHOWN, whoever owns them.
    expect(lines.map((l) => Number(/Account (\d+)/.exec(l)![1])).sort((a, b) => a - b)).toEqual(Array.from({ length: SUMMARY_ITEMS_SHOWN }, (_, i) => i));
    expect(contextTexts(message.blocks)).toEqual([`…and ${700 - SUMMARY_ITEMS_SHOWN} more nudges: \`/quiet\` lists them all.`]);
    expect(message.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
  });

  it('stays within Slack limits for long, hostile names and many owners: 50 blocks, 3,000 per section, the total budget', () => {
    const longName = '&<>'.repeat(400) + '🎉'.repeat(3000);
    // One owner with every line (sections must split), then one line per owner (blocks must stop).
    const oneOwner = Array.from({ length: 300 }, (_, i) => item(i, DANA, { accountName: `${longName} ${i}` }));
    const manyOwners = Array.from({ length: 300 }, (_, i) =>
      item(i, { ownerId: i, owner: { slackUserId: null, displayName: `${'Ω&'.repeat(200)} ${i}` } }, { accountName: `${longName} ${i}` }),
    );
    for (const items of [oneOwner, manyOwners]) {
      const message = buildEscalationSummary({ items, total: items.length, afterDays: 5 });
      expect(message.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
      for (const text of sectionTexts(message.blocks)) expect(codePointLength(text)).toBeLessThanOrEqual(SECTION_TEXT_MAX);
      expect(codePointLength(headerText(message.blocks))).toBeLessThanOrEqual(HEADER_MAX);
      expect(totalText(message.blocks)).toBeLessThanOrEqual(BLOCKS_TEXT_BUDGET);
      expect(message.blocks.every((b) => ['header', 'section', 'context'].includes(b.type))).toBe(true);
      const listed = ownerSections(message.blocks).flatMap((s) => s.split('\n').filter((l) => l.startsWith('• '))).length;
      expect(listed).toBeGreaterThan(0);
      expect(contextTexts(message.blocks)).toEqual([`…and ${300 - listed} more nudges: \`/quiet\` lists them all.`]);
      expect(JSON.stringify(message)).not.toMatch(/&(?!amp;|lt;|gt;)|<(?!@U0DANA>)/);
    }
    // One owner's lines spill into a second section that says it continues.
    const split = ownerSections(buildEscalationSummary({ items: oneOwner, total: 300, afterDays: 5 }).blocks);
    expect(split.length).toBeGreaterThan(1);
    expect(split[1]!.startsWith('👤 Owner: <@U0DANA> (continued)\n• ')).toBe(true);
  });
});
