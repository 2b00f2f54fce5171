import { isScore, type Score } from './feedback-score.js';

/**
 * Reading the answer form (`application/x-www-form-urlencoded`: what an HTML form sends without
 * JavaScript). Pure. Anything a browser could not have sent from our form is refused, never guessed.
 */

/** Characters (code points) a comment may hold. The textarea's maxlength counts UTF-16 units, so it never lets through more. */
export const COMMENT_MAX = 2000;
/** A form with a full comment is at most ~24 KB encoded (each character up to 4 bytes, each byte 3 characters). */
export const FORM_BODY_MAX = 64 * 1024;

export type FormReading =
  | { ok: true; score: Score; comment: string | null }
  | {
      ok: false;
      problem: 'score' | 'comment';
      /** What to tell the customer, in plain words. */
      message: string;
      /** What they typed, to put back in the form so nothing is lost. */
      comment: string | null;
      /** Their choice when it was a valid one. */
      score: Score | null;
    };

// Control characters other than tab and line breaks have no business in a comment (PostgreSQL text cannot even hold U+0000).
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

function cleanComment(raw: string | null): string | null {
  if (raw === null) return null;
  // Browsers send a textarea's line breaks as CRLF; counted and kept as one character each.
  const text = raw.replace(/\r\n?/g, '\n').replace(CONTROLS, '').trim();
  return text === '' ? null : text;
}

export function readFeedbackForm(body: string): FormReading {
  const fields = new URLSearchParams(body);
  const scores = fields.getAll('score');
  const comments = fields.getAll('comment');
  const comment = cleanComment(comments.length === 1 ? comments[0]! : comments.length === 0 ? null : comments.join('\n'));
  const score = scores.length === 1 && /^[1-5]$/.test(scores[0]!) ? Number(scores[0]) : null;
  const valid = score !== null && isScore(score) ? score : null;

  if (comment !== null && [...comment].length > COMMENT_MAX) {
    const length = [...comment].length.toLocaleString('en-US');
    return { ok: false, problem: 'comment', message: `Your comment is ${length} characters long; please keep it to ${COMMENT_MAX.toLocaleString('en-US')}.`, comment, score: valid };
  }
  if (comments.length > 1) return { ok: false, problem: 'comment', message: 'Please send one comment.', comment, score: valid };
  if (valid === null) {
    const message = scores.length === 0 ? 'Please choose one of the five answers.' : 'Please choose one of the five answers, from 1 to 5.';
    return { ok: false, problem: 'score', message, comment, score: null };
  }
  return { ok: true, score: valid, comment };
}
