/** What clients see of a session. */
import type { Session, SessionStatus } from "./store";

export interface SessionView {
  sessionId: string;
  eventTicker: string;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  /** Where the session's WebSocket answers; absent once the session ended. */
  websocketUrl?: string;
}

export function websocketUrl(baseUrl: string, sessionId: string): string {
  return `${baseUrl}/sessions/${sessionId}`;
}

export function sessionView(session: Session, websocketBaseUrl: string): SessionView {
  return {
    sessionId: session.sessionId,
    eventTicker: session.eventTicker,
    status: session.status,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    ...(session.endedAt === undefined ? {} : { endedAt: session.endedAt }),
    ...(session.status === "ENDED"
      ? {}
      : { websocketUrl: websocketUrl(websocketBaseUrl, session.sessionId) }),
  };
}
