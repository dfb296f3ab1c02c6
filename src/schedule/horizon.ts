// Search bounds shared by the forward and backward searches of five-field schedules.

import { DAY_MS, HOUR_MS } from './calendar.js';

// Every instant whose wall clock falls on a given local day lies within this margin of the
// day's bounds read as UTC. Current offsets stay within -12 h and +14 h, and the margin also
// covers historical local mean times.
export const WINDOW_MARGIN_MS = 16 * HOUR_MS;

// robfig gives up after the fifth calendar year following the year it starts in.
export const HORIZON_YEARS = 5;

// Date objects, which Intl formats, cover ±8.64e15 ms. Searches keep a few years of headroom.
export const MAX_SEARCH_FROM_MS = 8.64e15 - (HORIZON_YEARS + 2) * 366 * DAY_MS;
