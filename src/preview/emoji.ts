import { nameToEmoji } from 'gemoji';

/**
 * Emoji shortcodes as Slack shows them. GitHub's gemoji list (no dependencies, 0.4 MB) holds most of
 * Slack's names; Slack's own list (iamcal's emoji-data) adds long Unicode-style aliases, of which
 * the common ones are here, plus `flag-xx` for every country and the `::skin-tone-N:` modifiers.
 * A name Slack would not know stays as typed, as Slack leaves it.
 */
const SLACK_ALIASES: Readonly<Record<string, string>> = {
  thinking_face: '🤔',
  robot_face: '🤖',
  hugging_face: '🤗',
  face_with_rolling_eyes: '🙄',
  rolling_on_the_floor_laughing: '🤣',
  'star-struck': '🤩',
  face_with_monocle: '🧐',
  face_with_hand_over_mouth: '🤭',
  face_with_raised_eyebrow: '🤨',
  smiling_face_with_3_hearts: '🥰',
  first_place_medal: '🥇',
  second_place_medal: '🥈',
  third_place_medal: '🥉',
  sports_medal: '🏅',
  medal: '🎖️',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  large_orange_circle: '🟠',
  large_purple_circle: '🟣',
  large_brown_circle: '🟤',
  large_red_square: '🟥',
  large_blue_square: '🟦',
  large_green_square: '🟩',
  large_yellow_square: '🟨',
  large_orange_square: '🟧',
  large_purple_square: '🟪',
  large_brown_square: '🟫',
  'spock-hand': '🖖',
  the_horns: '🤘',
  'left-facing_fist': '🤛',
  'right-facing_fist': '🤜',
  hand_with_index_and_middle_fingers_crossed: '🤞',
  i_love_you_hand_sign: '🤟',
  spiral_note_pad: '🗒️',
  spiral_calendar_pad: '🗓️',
  linked_paperclips: '🖇️',
  lower_left_ballpoint_pen: '🖊️',
  rolled_up_newspaper: '🗞️',
  shopping_bags: '🛍️',
  octagonal_sign: '🛑',
  'woman-shrugging': '🤷‍♀️',
  'man-shrugging': '🤷‍♂️',
  'woman-raising-hand': '🙋‍♀️',
  'man-raising-hand': '🙋‍♂️',
  'woman-facepalming': '🤦‍♀️',
  'man-facepalming': '🤦‍♂️',
  face_palm: '🤦',
  mostly_sunny: '🌤️',
  partly_sunny_rain: '🌦️',
  rain_cloud: '🌧️',
  lightning: '🌩️',
  'eye-in-speech-bubble': '👁️‍🗨️',
  'rainbow-flag': '🏳️‍🌈',
  waving_white_flag: '🏳️',
  waving_black_flag: '🏴',
  scales: '⚖️',
};

/** Slack's `::skin-tone-2:` … `::skin-tone-6:` are the five Fitzpatrick modifiers. */
const SKIN_TONES: Readonly<Record<string, string>> = {
  'skin-tone-2': '\u{1F3FB}',
  'skin-tone-3': '\u{1F3FC}',
  'skin-tone-4': '\u{1F3FD}',
  'skin-tone-5': '\u{1F3FE}',
  'skin-tone-6': '\u{1F3FF}',
};

const REGIONAL_A = 0x1f1e6;

/** The emoji for a shortcode name (without colons), or null when Slack would show `:name:` as text. */
export function emojiFor(name: string): string | null {
  if (Object.hasOwn(SLACK_ALIASES, name)) return SLACK_ALIASES[name]!;
  if (Object.hasOwn(nameToEmoji, name)) return nameToEmoji[name]!;
  if (Object.hasOwn(SKIN_TONES, name)) return SKIN_TONES[name]!;
  const flag = /^flag-([a-z]{2})$/.exec(name);
  if (flag) return String.fromCodePoint(...[...flag[1]!].map((c) => REGIONAL_A + c.charCodeAt(0) - 97));
  return null;
}

const SHORTCODE = /:([a-z0-9_+'-]+):/y;

/** A known shortcode starting at `text[at]` (a colon): its emoji and where it ends, else null. */
export function shortcodeAt(text: string, at: number): { emoji: string; end: number } | null {
  SHORTCODE.lastIndex = at;
  const match = SHORTCODE.exec(text);
  if (!match) return null;
  const emoji = emojiFor(match[1]!);
  return emoji === null ? null : { emoji, end: SHORTCODE.lastIndex };
}

/**
 * Every known `:name:` in plain text replaced by its emoji (what plain_text with `emoji: true`
 * shows). An unknown name gives back only its first colon, so `10:30:tada:` still finds `:tada:`.
 */
export function replaceShortcodes(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const found = shortcodeAt(text, colon);
    out += text.slice(i, colon) + (found ? found.emoji : ':');
    i = found ? found.end : colon + 1;
  }
  return out + text.slice(i);
}
