import {
  ClassDeleted,
  ClassErrorCode as K,
  ClassGranted,
  ClassGrantRequest,
  ClassGrantWithdrawn,
  ClassList,
  ClassMaterialParams,
  ClassMembersAdded,
  ClassMembersRemoved,
  ClassMembersRequest,
  ClassParams,
  ClassRecord,
  CreateClassRequest,
  MaterialLicenceList,
} from './classes';
import { TrustErrorCode as E } from './codes';
import { MaterialErrorCode as M, MaterialParams } from './materials';

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;

/**
 * A teacher's classes and a material's licences (issue #19, item 9): what the back office's Materials
 * page calls besides the materials routes. Teacher only (pay_admin is not a school role); another
 * teacher's class answers 404 CLASS_NOT_FOUND, another teacher's material 403 MATERIAL_ACCESS_DENIED.
 * Every change is audited. Spread into ROUTES (./routes.ts).
 */
export const CLASSES_ROUTES = {
  listClasses: {
    method: 'GET',
    path: '/api/v1/offline/classes',
    auth: ['teacher'],
    summary: "The caller's classes, each with its students' emails and the materials granted to it.",
    status: 200,
    response: ClassList,
    errors: [...bearer],
  },
  createClass: {
    method: 'POST',
    path: '/api/v1/offline/classes',
    auth: ['teacher'],
    summary: 'A new class: a name (unique among the caller’s classes) and its students’ emails.',
    body: CreateClassRequest,
    status: 201,
    response: ClassRecord,
    errors: [...bearer, K.CLASS_EXISTS],
  },
  addClassMembers: {
    method: 'POST',
    path: '/api/v1/offline/classes/:class_id/members',
    auth: ['teacher'],
    summary:
      'Add students (by email, signed up or not yet) to one of the caller’s classes: they may take every material granted to it from now on.',
    params: ClassParams,
    body: ClassMembersRequest,
    status: 200,
    response: ClassMembersAdded,
    errors: [...bearer, K.CLASS_NOT_FOUND],
  },
  removeClassMembers: {
    method: 'DELETE',
    path: '/api/v1/offline/classes/:class_id/members',
    auth: ['teacher'],
    summary:
      'Remove students from one of the caller’s classes and revoke their live licences of the class’s materials they may no longer take (a direct grant or another class keeps one). Their laptops learn it at their next sync.',
    params: ClassParams,
    body: ClassMembersRequest,
    status: 200,
    response: ClassMembersRemoved,
    errors: [...bearer, K.CLASS_NOT_FOUND],
  },
  deleteClass: {
    method: 'DELETE',
    path: '/api/v1/offline/classes/:class_id',
    auth: ['teacher'],
    summary:
      'Delete one of the caller’s classes: its students lose what it gave them, by the rule of removing a student (their live licences of its materials that they may no longer take, a direct grant or another class keeping one, are revoked; their laptops learn it at their next sync). Audited as `class.deleted`.',
    params: ClassParams,
    status: 200,
    response: ClassDeleted,
    errors: [...bearer, K.CLASS_NOT_FOUND],
  },
  grantClassMaterial: {
    method: 'POST',
    path: '/api/v1/offline/classes/:class_id/materials',
    auth: ['teacher'],
    summary:
      'Grant one of the caller’s materials to one of their classes: every student in it, now or later, may take it. Lifts the bar a revoked licence put on its members. `granted` is false when it was granted already.',
    params: ClassParams,
    body: ClassGrantRequest,
    status: 200,
    response: ClassGranted,
    errors: [...bearer, K.CLASS_NOT_FOUND, M.MATERIAL_NOT_FOUND, M.MATERIAL_ACCESS_DENIED],
  },
  withdrawClassMaterial: {
    method: 'DELETE',
    path: '/api/v1/offline/classes/:class_id/materials/:material_id',
    auth: ['teacher'],
    summary:
      'Withdraw a material from a class and revoke the members’ live licences of it that came only through this class.',
    params: ClassMaterialParams,
    status: 200,
    response: ClassGrantWithdrawn,
    errors: [...bearer, K.CLASS_NOT_FOUND, M.MATERIAL_NOT_FOUND, M.MATERIAL_ACCESS_DENIED],
  },
  listMaterialLicences: {
    method: 'GET',
    path: '/api/v1/offline/materials/:material_id/licenses',
    auth: ['teacher'],
    summary:
      'The licences of one of the caller’s materials, newest first (at most 1000): who, which laptop, issued, expires, offline grace and state.',
    params: MaterialParams,
    status: 200,
    response: MaterialLicenceList,
    errors: [...bearer, M.MATERIAL_NOT_FOUND, M.MATERIAL_ACCESS_DENIED],
  },
} as const;
