export * from './exports.js';
export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
