"""The business of sending notifications: what a notification is and how it ends."""
