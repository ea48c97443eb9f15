/** Signing in and out, and who is signed in. */
import { z } from 'zod';
import { LoginBodySchema, LoginResponseSchema, RecruiterSchema } from '../api.js';
import { endpoint } from './define.js';

export const MeSchema = RecruiterSchema.extend({
  unreadCount: z.number().meta({ description: 'Unread replies across the organization’s conversations (the toolbar badge).' }),
}).meta({ id: 'Me' });

export const authEndpoints = {
  'auth.login': endpoint({
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Sign in with email and password',
    tag: 'auth',
    public: true,
    body: LoginBodySchema,
    answers: 'A bearer token',
    output: LoginResponseSchema,
    errors: [400, 401, 415, 429],
  }),
  'auth.logout': endpoint({
    method: 'POST',
    path: '/api/auth/logout',
    summary: 'Revoke the current token',
    tag: 'auth',
    status: 204,
    answers: 'Signed out',
    output: null,
    errors: [401],
  }),
  'auth.me': endpoint({
    method: 'GET',
    path: '/api/me',
    summary: 'The signed-in recruiter and organization',
    tag: 'auth',
    answers: 'Recruiter',
    output: MeSchema,
    errors: [401],
  }),
};
