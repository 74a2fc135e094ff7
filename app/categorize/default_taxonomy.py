"""The default category list and the labeling rules the model is given with it, as data."""

from __future__ import annotations

from app.categorize.category import FEES, INCOME, OTHER, TRANSFERS, Category

DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(
        "Groceries",
        "Supermarkets, warehouse clubs (Costco), convenience & liquor stores, bakeries, grocery delivery, meal kits",
    ),
    Category(
        "Dining",
        "Restaurants, fast food, coffee shops, bars, food delivery (Uber Eats, DoorDash), vending",
    ),
    Category(
        "Transport",
        "Fuel & EV charging, rideshare/taxi, local transit, parking, tolls, scooters, car service, car loan",
    ),
    Category("Travel", "Flights, hotels, rental cars, Expedia/Booking.com, cruises, intercity rail & bus"),
    Category(
        "Shopping",
        "Amazon & online marketplaces, Target/Walmart, clothing, electronics, department stores, books, gifts",
    ),
    Category(
        "Subscriptions",
        "Recurring digital media & software: streaming, app-store billing, cloud, news, AI tools, Prime/Uber One",
    ),
    Category("Utilities", "Electricity, gas, water, trash, internet, cable, mobile & home phone"),
    Category(
        "Housing", "Rent, mortgage, HOA, furniture, hardware & home improvement, repairs, home security"
    ),
    Category("Health", "Doctors, dentists, eye care, pharmacies, hospitals, labs, therapy"),
    Category(
        "Personal Care",
        "Gyms & fitness classes, hair, nails, spa, cosmetics stores, laundry & dry cleaning",
    ),
    Category(
        "Entertainment",
        "Cinemas, concerts & event tickets, sports, museums, amusement parks, games, gambling",
    ),
    Category("Education & Childcare", "Tuition, school fees, courses, textbooks, daycare, babysitting"),
    Category("Pets", "Pet food & supplies, vets, grooming, pet sitting, pet insurance"),
    Category("Insurance", "Auto, home/renters, health and life insurance premiums"),
    Category("Gifts & Donations", "Charities, religious and political donations, crowdfunding"),
    Category("Taxes & Government", "Income & property tax, DMV, passports, licences, fines, court fees"),
    Category(
        FEES,
        "Bank/card fees (annual, late, foreign transaction, ATM, overdraft), interest charged, reversals",
    ),
    Category(
        "Loan Payments",
        "Student & personal loans, buy-now-pay-later (Affirm, Klarna), cash-advance repayment",
    ),
    Category(
        INCOME,
        "Payroll, gig & contractor payouts, interest & dividends earned, benefits, tax refunds, cash back",
        "income",
    ),
    Category(
        TRANSFERS,
        "Card payments, own-account transfers, savings & investing, Venmo/Zelle/PayPal transfers, wires, ATM cash",
        "transfer",
    ),
    Category(OTHER, "Postage & shipping, storage units, legal/accounting services, anything else"),
)

LABELING_RULES = """\
- Classify the merchant behind processor prefixes (SQ *, TST*, PAYPAL *, DD *). No knowable payee (Zelle, Cash App, PayPal transfer) = Transfers & Card Payments.
- Refunds keep the purchase's category. Fee reversals = Fees & Interest. Cash back, rewards, statement credits = Income.
- Target, Walmart = Shopping unless grocery. Costco, Sam's, BJ's = Groceries. Fuel incl. Costco Gas = Transport.
- Convenience and liquor stores = Groceries. Bars, vending = Dining. Pharmacies = Health.
- Amazon Mktp/Amazon.com = Shopping. Amazon Prime, Prime Video, Audible, Kindle Unlimited = Subscriptions. Amazon Fresh, Whole Foods = Groceries.
- APPLE.COM/BILL, GOOGLE * = Subscriptions. Apple Store = Shopping.
- Uber/Lyft rides, taxis, transit, parking, tolls = Transport, even abroad. Uber Eats = Dining. Flights, hotels, rental cars, intercity rail = Travel.
- Gyms = Personal Care. Phone, internet = Utilities. Cinemas, tickets = Entertainment.
- Mortgage = Housing. Car loan = Transport. Student/personal loans, BNPL (Affirm, Klarna) = Loan Payments. Credit-card payments = Transfers & Card Payments."""
