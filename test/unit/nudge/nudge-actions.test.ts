import {
  NUDGE_LOG_ACTION,
  NUDGE_REASSIGN_ACTION,
  NUDGE_SNOOZE_ACTION,
  nudgeActionsBlock,
  nudgeBlockId,
  parseNudgeBlockId,
  parseNudgeValue,
  parseSnoozeValue,
  snoozeValue,
} from '../../../src/slack/views/nudge-actions.js';

describe('nudge action values', () => {
  it('round-trip the nudge id through a button value, a snooze option and a block id', () => {
    expect(parseNudgeValue('42')).toBe(42);
    expect(parseSnoozeValue(snoozeValue(42, 14))).toEqual({ nudgeId: 42, days: 14 });
    expect(parseNudgeBlockId(nudgeBlockId(42))).toBe(42);
  });

  it.each(['', '-1', '01', '1.5', '42 ', '{"id":1}', '99999999999999999'])('refuse a forged button value %j', (value) => {
    expect(parseNudgeValue(value)).toBeNull();
  });

  it.each(['42', '42:3', '42:14:1', 'x:7', '42:7.0', undefined])('refuse a snooze value that is not id:7|14|30 (%j)', (value) => {
    expect(parseSnoozeValue(value)).toBeNull();
  });

  it('refuses block ids that are not ours', () => {
    expect(parseNudgeBlockId('actions')).toBeNull();
    expect(parseNudgeBlockId(undefined)).toBeNull();
    expect(parseNudgeBlockId('nudge:abc')).toBeNull();
  });

  it('offers the three contract actions, each carrying the nudge id', () => {
    const block = nudgeActionsBlock(7);
    expect(block.block_id).toBe('nudge:7');
    const elements = block.elements as Array<Record<string, any>>;
    expect(elements.map((e) => [e.action_id, e.type])).toEqual([
      [NUDGE_LOG_ACTION, 'button'],
      [NUDGE_SNOOZE_ACTION, 'static_select'],
      [NUDGE_REASSIGN_ACTION, 'users_select'],
    ]);
    expect(elements[0]!.value).toBe('7');
    expect(elements[1]!.options.map((o: { value: string }) => o.value)).toEqual(['7:7', '7:14', '7:30']);
  });
});
