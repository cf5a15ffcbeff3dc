"""Salesforce, connection half: the JWT bearer login and REST client (client.py) and the Test
Connection steps (checks.py). The sync half is syncengine/providers/salesforce/."""
