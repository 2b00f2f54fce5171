import type { RespondArguments } from '@slack/bolt';
import { answerCommand } from '../../../src/slack/listeners/command-answer.js';
import { buildNotice } from '../../../src/slack/views/command-answers.js';

function recorder() {
  const acks: Array<string | RespondArguments | undefined> = [];
  const responds: Array<string | RespondArguments> = [];
  return {
    acks,
    responds,
    io: {
      ack: async (r?: string | RespondArguments) => {
        acks.push(r);
      },
      respond: async (r: string | RespondArguments) => {
        responds.push(r);
        return undefined as never;
      },
    },
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('answering a command within Slack’s 3 seconds', () => {
  it('answers in the acknowledgement when the work is done in time', async () => {
    const r = recorder();
    await answerCommand(r.io, async () => buildNotice('done'), 1_000);
    expect(r.acks).toEqual([{ response_type: 'ephemeral', text: 'done', blocks: buildNotice('done').blocks }]);
    expect(r.responds).toEqual([]);
  });

  it('acknowledges empty at the deadline and answers through response_url when done', async () => {
    const r = recorder();
    await answerCommand(r.io, async () => {
      await wait(60);
      return buildNotice('slow');
    }, 10);
    expect(r.acks).toEqual([undefined]);
    expect(r.responds).toEqual([{ response_type: 'ephemeral', text: 'slow', blocks: buildNotice('slow').blocks }]);
  });

  it('apologises and still lets the error reach app.error', async () => {
    const r = recorder();
    await expect(answerCommand(r.io, async () => Promise.reject(new Error('db down')), 1_000)).rejects.toThrow('db down');
    expect(JSON.stringify(r.acks)).toContain('something went wrong');
    const late = recorder();
    await expect(
      answerCommand(late.io, async () => {
        await wait(40);
        throw new Error('late failure');
      }, 5),
    ).rejects.toThrow('late failure');
    expect(late.acks).toEqual([undefined]);
    expect(JSON.stringify(late.responds)).toContain('something went wrong');
  });
});
