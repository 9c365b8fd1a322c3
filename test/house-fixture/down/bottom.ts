import { top } from "../up/top.js"

export const bottom = (): number => (typeof top === "function" ? 1 : 0)
