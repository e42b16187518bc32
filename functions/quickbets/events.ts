/**
 * GET /events: open Kalshi events of the configured series (or of one of them, `?series=`),
 * normalized to `{ events: [{ ticker, seriesTicker, title, subtitle, category, strikeDate }], count }`.
 * Public market data: nothing is signed.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { envLoader } from "../shared/env";
import { apiHandler, callerId, HttpError, parseQuery } from "../shared/http";
import { EVENTS_ENV } from "./env";
import { parseEventsConfig } from "./lib/config";
import { TICKER } from "./lib/ids";
import { listOpenEvents, summarizeEvent } from "./lib/kalshi";

const logger = new Logger();
const config = envLoader(EVENTS_ENV, parseEventsConfig);

const Query = z.strictObject({
  series: z.optional(z.string().check(z.regex(TICKER, "must be a series ticker"))),
});

export const handler = apiHandler(
  { logger, allowedOrigins: () => config().allowedOrigins },
  async (event) => {
    const { series: configured, ...kalshi } = config();
    callerId(event);
    const { series } = parseQuery(event, Query);
    if (series !== undefined && !configured.includes(series)) {
      throw new HttpError(
        400,
        "invalid_request",
        `series must be one of ${configured.join(", ")}; got "${series}"`,
        "series",
      );
    }
    const wanted = series === undefined ? configured : [series];
    const pages = await Promise.all(wanted.map((s) => listOpenEvents(kalshi, s)));
    const events = pages.flat().map(summarizeEvent);
    return { status: 200, body: { events, count: events.length } };
  },
);
