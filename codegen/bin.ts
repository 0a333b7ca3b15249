#!/usr/bin/env -S npx tsx
import './cli.js';
