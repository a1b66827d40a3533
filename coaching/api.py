"""Coaching API: registers its viewsets on the project router (imported by mot_coach.urls)."""
