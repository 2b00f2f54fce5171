import fc from 'fast-check';
import { COMMENT_MAX, readFeedbackForm } from '../../../src/feedback/feedback-form.js';
import { canChangeAnswer, CHANGE_WINDOW_MS, routeOf, SCORES } from '../../../src/feedback/feedback-score.js';

const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) params.append(k, value);
  return params.toString();
};

describe('reading the answer form', () => {
  it.each(SCORES)('score %i with no comment', (score) => {
    expect(readFeedbackForm(form({ score: String(score), comment: '' }))).toEqual({ ok: true, score, comment: null });
    expect(readFeedbackForm(form({ score: String(score) }))).toEqual({ ok: true, score, comment: null });
  });

  it('keeps the comment as typed: trimmed, CRLF as one line break, control characters dropped', () => {
    expect(readFeedbackForm(form({ score: '4', comment: '  Great call.\r\nThanks!\u0000\u0007  ' }))).toEqual({ ok: true, score: 4, comment: 'Great call.\nThanks!' });
    expect(readFeedbackForm('score=5&comment=%3Cb%3Ehi%3C%2Fb%3E+%26+%F0%9F%98%80')).toEqual({ ok: true, score: 5, comment: '<b>hi</b> & 😀' });
  });

  it.each<[string, string]>([
    ['missing', form({ comment: 'hello' })],
    ['zero', form({ score: '0' })],
    ['six', form({ score: '6' })],
    ['negative', form({ score: '-1' })],
    ['a fraction', form({ score: '4.5' })],
    ['a word', form({ score: 'five' })],
    ['padded', form({ score: ' 5' })],
    ['full-width digit', form({ score: '５' })],
    ['twice', form({ score: ['1', '5'] })],
    ['empty', form({ score: '' })],
  ])('a bad score is refused (%s), with the comment kept to show again', (_, body) => {
    const reading = readFeedbackForm(body);
    expect(reading).toMatchObject({ ok: false, problem: 'score', score: null });
    if (!reading.ok && body.includes('comment')) expect(reading.comment).toBe('hello');
  });

  it('a comment of 2,000 characters is fine, 2,001 is refused, counting emoji as one character each', () => {
    expect(readFeedbackForm(form({ score: '3', comment: 'x'.repeat(COMMENT_MAX) })).ok).toBe(true);
    expect(readFeedbackForm(form({ score: '3', comment: '😀'.repeat(COMMENT_MAX) })).ok).toBe(true);
    const long = readFeedbackForm(form({ score: '3', comment: 'x'.repeat(COMMENT_MAX + 1) }));
    expect(long).toMatchObject({ ok: false, problem: 'comment', score: 3, message: 'Your comment is 2,001 characters long; please keep it to 2,000.' });
    // A browser's CRLF line breaks count once each, as the textarea counted them.
    expect(readFeedbackForm(form({ score: '3', comment: 'x\r\n'.repeat(COMMENT_MAX / 2).trimEnd() })).ok).toBe(true);
  });

  it('two comment fields are refused', () => {
    expect(readFeedbackForm(form({ score: '3', comment: ['a', 'b'] }))).toMatchObject({ ok: false, problem: 'comment' });
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (body) => {
        const reading = readFeedbackForm(body);
        if (reading.ok) expect(SCORES).toContain(reading.score);
      }),
    );
  });
});

describe('where an answer goes, and how long it can change', () => {
  it.each([
    [1, 'alert'],
    [2, 'alert'],
    [3, 'record'],
    [4, 'celebrate'],
    [5, 'celebrate'],
  ] as const)('score %i → %s', (score, route) => {
    expect(routeOf(score)).toBe(route);
  });

  it('a second answer is a change for 15 minutes after the first', () => {
    const first = new Date('2026-11-20T15:00:00Z');
    expect(canChangeAnswer(first, new Date(first.getTime() + CHANGE_WINDOW_MS))).toBe(true);
    expect(canChangeAnswer(first, new Date(first.getTime() + CHANGE_WINDOW_MS + 1))).toBe(false);
    expect(CHANGE_WINDOW_MS).toBe(15 * 60_000);
  });
});
