export { Client, type ClientOptions, type Response } from "./http.js";
export { api, type ApplyAnswer, type ListAnswer, type WatchEvent } from "./api.js";
