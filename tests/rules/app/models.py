"""Models shared by the rule fixtures (plain `django.db.models.Model`).

- ForeignKey: `Product.category`, `Order.customer`, `OrderItem.order`/`product`,
  `Category.parent` (nullable, self)
- OneToOne: `Profile.customer` (reverse: `customer.profile`)
- ManyToMany: `Product.tags`
- custom managers: `Product.published` (Manager subclass), `Product.stocked`
  (`QuerySet.as_manager()`)
- `Note` has no unique field, no relation and no constraint, so its
  validation methods never query; `Coupon` has `Meta.constraints`.
"""

from django.db import models


class ProductQuerySet(models.QuerySet):
    def in_stock(self):
        return self.filter(stock__gt=0)


class PublishedManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(is_published=True)


class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)


class Profile(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True, default="")


class Category(models.Model):
    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=32, unique=True)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.IntegerField(default=0)
    is_published = models.BooleanField(default=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    tags = models.ManyToManyField(Tag, related_name="products", blank=True)

    objects = models.Manager()
    published = PublishedManager()
    stocked = ProductQuerySet.as_manager()


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)  # reverse: customer.order_set
    status = models.CharField(max_length=20, default="new")
    note = models.TextField(blank=True, default="")


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.IntegerField(default=1)


class Note(models.Model):
    text = models.TextField()


class Coupon(models.Model):
    code = models.CharField(max_length=20)
    percent = models.IntegerField(default=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code"], name="coupon_code_unique"),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=100),
                name="coupon_percent_range",
            ),
        ]
