import fc from 'fast-check';
import { buildAlertEased, buildPraisePost, buildPraiseWithdrawn, buildUnhappyAlert, type AnswerFacts } from '../../../src/feedback/feedback-messages.js';
import { SCORES } from '../../../src/feedback/feedback-score.js';

const facts = (overrides: Partial<AnswerFacts> = {}): AnswerFacts => ({
  accountId: 7,
  accountName: 'Acme Co',
  score: 5,
  comment: 'Dana fixed it in an hour.',
  rep: { slackUserId: 'U0DANA', displayName: 'Dana' },
  changed: false,
  ...overrides,
});

const json = (v: unknown) => JSON.stringify(v);

describe('feedback answers in Slack', () => {
  it('praise names the account, the score, the comment and the rep who asked', () => {
    const message = buildPraisePost(facts());
    expect(message.blocks![0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '💬 Acme Co rated us 5/5: Excellent' } });
    const text = json(message.blocks);
    expect(text).toContain("*Acme Co* answered <@U0DANA>'s feedback link: ★★★★★ *5 · Excellent*");
    expect(text).toContain('> Dana fixed it in an hour.');
    expect(message.text).toBe('💬 Acme Co rated us 5 · Excellent: “Dana fixed it in an hour.”');
  });

  it('credits a rep not on Slack by name, and the team when nobody in particular asked', () => {
    expect(json(buildPraisePost(facts({ rep: { slackUserId: null, displayName: 'Pat', email: 'pat@example.com' } })).blocks)).toContain("answered Pat (not on Slack)'s feedback link");
    expect(json(buildPraisePost(facts({ rep: null })).blocks)).toContain("answered the team's feedback link");
  });

  it('an unhappy answer carries nudge.log and nudge.reassign for its nudge, and says why it came to an owner', () => {
    const alert = buildUnhappyAlert({ ...facts({ score: 1, comment: 'Nobody called back.' }), nudgeId: 42, recipient: 'rep' });
    expect(alert.blocks![0]).toMatchObject({ type: 'header', text: { text: '🚨 Acme Co rated us 1/5: Very poor' } });
    const actions = alert.blocks!.at(-1) as { type: string; block_id: string; elements: Array<Record<string, unknown>> };
    expect(actions).toMatchObject({ type: 'actions', block_id: 'nudge:42' });
    expect(actions.elements.map((e) => e['action_id'])).toEqual(['nudge.log', 'nudge.reassign']);
    expect(actions.elements[0]).toMatchObject({ type: 'button', value: '42' });
    expect(actions.elements[1]).toMatchObject({ type: 'users_select' });
    expect(json(alert.blocks)).not.toContain('Sent to you');

    const toOwner = buildUnhappyAlert({ ...facts({ score: 2, rep: { slackUserId: null, displayName: 'Pat' } }), nudgeId: 42, recipient: 'owner' });
    expect(json(toOwner.blocks)).toContain("Sent to you as the account's owner: Pat (not on Slack) asked and is not on Slack.");
    const toChannel = buildUnhappyAlert({ ...facts({ score: 2, rep: null }), nudgeId: 42, recipient: 'fallback' });
    expect(json(toChannel.blocks)).toContain("neither a rep nor the account's owner is on Slack");
  });

  it('a changed answer rewrites the message without telling the channel the new score', () => {
    const withdrawn = json(buildPraiseWithdrawn(facts({ score: 1, changed: true })));
    expect(withdrawn).toContain('changed their answer');
    expect(withdrawn).not.toMatch(/Very poor|1\/5|★/);
    expect(json(buildAlertEased(facts({ score: 4, changed: true })).blocks)).toContain('changed their answer to ★★★★☆ *4 · Good*. It is no longer urgent.');
  });

  it('no name or comment can ping, link or break out of its quote, and every message stays within Slack limits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.option(fc.string({ maxLength: 3000 }), { nil: null }), fc.constantFrom(...SCORES), (name, comment, score) => {
        const f = facts({ accountName: name, comment, score });
        for (const message of [buildPraisePost(f), buildPraiseWithdrawn(f), buildUnhappyAlert({ ...f, nudgeId: 1, recipient: 'owner' }), buildAlertEased(f)]) {
          const text = json(message.blocks);
          // Our own mentions and quote marks are the only '<' and '>' that reach Slack.
          const lines = text.split('\\n').map((line) => line.replace(/^("text":")?> /, '').replace(/"text":"> /g, '"text":"'));
          expect(lines.join('\n').replace(/<@U0DANA>/g, '')).not.toMatch(/[<>]/);
          expect(message.text.length).toBeLessThanOrEqual(3000);
          for (const block of message.blocks as Array<{ type: string; text?: { text: string } }>) {
            if (block.type === 'header') expect([...block.text!.text].length).toBeLessThanOrEqual(150);
            if (block.type === 'section') expect([...block.text!.text].length).toBeLessThanOrEqual(3000);
          }
        }
        // The comment's every line stays inside its quote.
        const quoted = (buildPraisePost(f).blocks as Array<{ type: string; text?: { text: string } }>)[2];
        if (comment !== null && comment.trim() !== '') expect(quoted!.text!.text.split('\n').every((line) => line.startsWith('> '))).toBe(true);
      }),
    );
  });

  it('quotes each line of a multi-line comment', () => {
    const blocks = buildPraisePost(facts({ comment: 'first\nsecond\n\nthird' })).blocks as Array<{ text?: { text: string } }>;
    expect(blocks[2]!.text!.text).toBe('> first\n> second\n> \n> third');
  });
});
