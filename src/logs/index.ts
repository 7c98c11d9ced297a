export { NflogStream, parseNflogRecord, readPrefix, type NflogEntry } from "./nflog.js";
export { followNflog, type FollowOptions } from "./follow.js";
