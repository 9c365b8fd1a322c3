// A folder that imports one that imports it back: the loop the house test must find.
import { bottom } from "../down/bottom.js"

export const top = () => bottom()
