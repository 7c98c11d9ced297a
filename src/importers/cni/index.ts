export { importCni, cniConfigFiles, type CniFile, type CniOptions } from "./import.js";
