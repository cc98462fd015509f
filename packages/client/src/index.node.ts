export * from './exports.js';
export { connect } from './connect.node.js';
export type { ConnectOptions } from './connect.node.js';
