/** Strata agent SDK: agent channels over plain MQTT 5 (docs/agents.md). */
export { connectAgent, type Agent, type ConnectAgentOptions, type DiscoveredAgent, type Handler, type RequestContext, type RequestOptions } from './agent.js';
export { history, type HistoryOptions, type HistoryRecord } from './history.js';
export { AgentClosedError, AgentRequestError, AgentTimeoutError } from './requester.js';
export { decode, encode, props, topics, type AgentCard, type Presence, type ReplyKind } from './topics.js';
