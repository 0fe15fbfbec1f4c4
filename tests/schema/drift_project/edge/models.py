"""Models that exercise every naming and typing rule of the drift checks.

Migrations are made by the test (`makemigrations edge`) in a copy.
"""

import uuid

from django.db import models
from django.db.models import F, Q


class Stamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Place(Stamped):
    name = models.CharField(max_length=50, db_index=True)
    code = models.SlugField()
    code2 = models.SlugField(max_length=30, db_index=False)
    email = models.EmailField(null=True)
    site = models.URLField()
    doc = models.FileField(upload_to="docs")
    path = models.FilePathField(path="/tmp", null=True)
    ip = models.GenericIPAddressField(null=True)
    data = models.JSONField(default=dict)
    dur = models.DurationField(null=True)
    at = models.TimeField(null=True)
    day = models.DateField(null=True)
    ratio = models.FloatField(default=0)
    big = models.BigIntegerField(default=0)
    small = models.SmallIntegerField(default=0)
    psmall = models.PositiveSmallIntegerField(default=0)
    pbig = models.PositiveBigIntegerField(default=0)
    blob = models.BinaryField(null=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True)
    price = models.DecimalField(max_digits=8, decimal_places=3)
    notes = models.TextField(db_index=True)
    flag = models.BooleanField(null=True)
    legacy = models.IntegerField(db_column="LegacyCol", default=0)
    total = models.GeneratedField(
        expression=F("big") + F("small"), output_field=models.BigIntegerField(), db_persist=True
    )

    class Meta:
        db_table = "edge_places"
        unique_together = [("name", "code")]
        indexes = [
            models.Index(fields=["-created", "name"], name="place_created_name"),
            models.Index(fields=["ratio"], name="place_ratio_partial", condition=Q(ratio__gt=0)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["site"], name="place_site_if_flag", condition=Q(flag=True)),
            models.UniqueConstraint(fields=["email", "ip"], name="place_email_ip"),
            models.CheckConstraint(condition=Q(ratio__gte=0), name="place_ratio_positive"),
        ]


class Restaurant(Place):
    serves_pizza = models.BooleanField(default=True)


class PlaceProxy(Place):
    class Meta:
        proxy = True


class Outside(models.Model):
    name = models.CharField(max_length=10)

    class Meta:
        managed = False
        db_table = "edge_outside_not_created"


class Club(models.Model):
    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=20)


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    code = models.CharField(max_length=10, unique=True)
    friends = models.ManyToManyField("self")
    followers = models.ManyToManyField("self", symmetrical=False, related_name="following")
    favourites = models.ManyToManyField(Place, db_table="edge_person_favs", related_name="fans")
    clubs = models.ManyToManyField(Club, through="Membership", through_fields=("person", "club"), related_name="members")
    loose = models.ManyToManyField(Club, db_constraint=False, related_name="+")


class Membership(models.Model):
    id = models.AutoField(primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    club = models.ForeignKey(Club, on_delete=models.CASCADE, db_constraint=False)
    by_code = models.ForeignKey(Person, to_field="code", on_delete=models.CASCADE, related_name="+", null=True)
    restaurant = models.ForeignKey(Restaurant, on_delete=models.SET_NULL, null=True, related_name="+")
    place = models.ForeignKey(PlaceProxy, on_delete=models.CASCADE, null=True, related_name="+")
    unindexed = models.ForeignKey(Club, on_delete=models.CASCADE, db_index=False, related_name="+")
    parent = models.OneToOneField("self", on_delete=models.CASCADE, null=True, db_column="ParentRef")

    class Meta:
        unique_together = ("person", "club")


class AVeryLongModelNameThatKeepsGoingPastWhatPostgresKeepsInName(models.Model):
    id = models.SmallAutoField(primary_key=True)
    clubs_of_the_very_long_model = models.ManyToManyField(Club, related_name="+")


class Small(models.Model):
    id = models.SmallAutoField(primary_key=True)


class Ref(models.Model):
    small = models.ForeignKey(Small, on_delete=models.CASCADE)
    only = models.OneToOneField(Small, on_delete=models.CASCADE, related_name="+")
    long = models.ForeignKey(
        AVeryLongModelNameThatKeepsGoingPastWhatPostgresKeepsInName, on_delete=models.CASCADE, related_name="+"
    )
