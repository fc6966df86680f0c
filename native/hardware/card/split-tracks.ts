import type { SwipeTracks, TrackRead } from './types';

const PERCENT = 0x25;
const SEMICOLON = 0x3b;
const QUESTION = 0x3f;
const ERROR_MARK = 0x45; // 'E'

/**
 * Splits one keyboard-emulation swipe ("%…?;…?" typed then Enter) into tracks. A track reads from
 * its start sentinel to its end sentinel plus, when the reader sends one, the LRC character. Readers
 * type "%E?" / ";E?" for a track they could not decode (MagTek keyboard-emulation manuals, "Card
 * Data" section), which becomes a reader-side error.
 */
export function splitTracks(line: Uint8Array): SwipeTracks {
  let track1: TrackRead = { status: 'absent' };
  let track2: TrackRead = { status: 'absent' };
  let i = 0;
  let seenSemicolonTracks = 0;
  if (line.length > 0 && line[0] !== PERCENT && line[0] !== SEMICOLON) {
    // No start sentinel at all: hand the whole line to track 2 so the parser names the failure.
    return { track1, track2: { status: 'ok', data: line } };
  }
  while (i < line.length) {
    const start = line[i];
    const end = line.indexOf(QUESTION, i + 1);
    let stop = end < 0 ? line.length : end + 1;
    // One character after the end sentinel is the LRC unless a new track starts right there.
    if (end >= 0 && stop < line.length) {
      const next = line[stop];
      const afterNext = line[stop + 1];
      const nextStartsTrack = next === PERCENT || next === SEMICOLON;
      if (!nextStartsTrack || afterNext === undefined || afterNext === PERCENT || afterNext === SEMICOLON)
        stop++;
    }
    const data = line.subarray(i, stop);
    const read: TrackRead =
      data.length === 3 && data[1] === ERROR_MARK && data[2] === QUESTION
        ? { status: 'error' }
        : { status: 'ok', data };
    if (start === PERCENT) track1 = read;
    else if (start === SEMICOLON) {
      // The second ';' track is track 3 (ISO 4909), which payment cards do not use.
      if (seenSemicolonTracks++ === 0) track2 = read;
    } else if (track2.status === 'absent') track2 = read;
    i = stop;
  }
  return { track1, track2 };
}
