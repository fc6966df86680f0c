import type { Messages } from './en';

export const fr: Messages = {
  app: { title: 'Outpost' },
  nav: { pos: 'Vente', library: 'Bibliothèque', sync: 'Synchronisation', settings: 'Réglages' },
  status: {
    online: 'Serveur en ligne',
    offline: 'Hors ligne',
    unknown: 'Vérification du serveur…',
    coreLost: 'Contact perdu avec l’application. Reconnexion…',
    notEnrolled: 'Non enregistré',
    enrolled: 'Enregistré',
    revoked: 'Révoqué',
  },
  pos: {
    empty:
      'Aucun produit pour l’instant. Le catalogue apparaît ici une fois ce terminal enregistré et synchronisé.',
  },
  library: { empty: 'Aucun support pour l’instant. Les supports sous licence apparaîtront ici.' },
  sync: {
    empty: 'Rien en attente d’envoi.',
    lastCheck: 'Dernière vérification du serveur : {{when}}',
    never: 'jamais',
  },
  settings: {
    heading: 'Réglages',
    device: 'Cet appareil',
    deviceId: 'Identifiant de l’appareil',
    enrollment: 'Enregistrement',
    version: 'Version',
    platform: 'Plateforme',
    server: 'Serveur',
    serverUrl: 'Adresse du serveur',
    language: 'Langue',
    currency: 'Devise',
    terminalName: 'Nom du terminal',
    save: 'Enregistrer',
    saved: 'Enregistré.',
    none: 'pas encore attribué',
    example: 'Exemple de montant : {{amount}}',
  },
  errors: {
    title: 'Une erreur est survenue',
    reload: 'Recharger',
    details: 'Détails',
  },
};
