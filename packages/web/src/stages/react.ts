/**
 * Stage one of the page's load (main.tsx): React and react-dom, evaluated in a task of
 * their own.
 */
import { createElement } from "react"
import { createRoot } from "react-dom/client"

export const loaded = [createElement, createRoot] as const
