import type { AckFn, RespondArguments, RespondFn } from '@slack/bolt';
import { buildNotice, type EphemeralAnswer } from '../views/command-answers.js';
import { raceAckDeadline } from './ack-deadline.js';

/**
 * Slack waits 3 s for a command's acknowledgement. Answering in the acknowledgement itself is one
 * round trip and cannot be lost, so that is tried first; work still running near the deadline is
 * acknowledged empty and answered through `response_url` when done. Either way the answer is
 * ephemeral, and a failure gets an apology before it reaches `app.error`.
 */

/** Leaves a second of Slack's three for the network. */
export const ANSWER_DEADLINE_MS = 2_000;

const SORRY = buildNotice('Sorry, something went wrong on our side. Please try again in a minute.');

export interface CommandIo {
  ack: AckFn<string | RespondArguments>;
  respond: RespondFn;
}

function ephemeral(answer: EphemeralAnswer): RespondArguments {
  return { response_type: 'ephemeral', text: answer.text, blocks: answer.blocks };
}

export async function answerCommand(io: CommandIo, work: () => Promise<EphemeralAnswer>, deadlineMs = ANSWER_DEADLINE_MS): Promise<void> {
  const { first, settled } = await raceAckDeadline(work, deadlineMs);
  if (first !== 'late') {
    await io.ack(ephemeral(first.ok ? first.value : SORRY));
    if (!first.ok) throw first.error;
    return;
  }
  await io.ack();
  const outcome = await settled;
  await io.respond(ephemeral(outcome.ok ? outcome.value : SORRY));
  if (!outcome.ok) throw outcome.error;
}
